"""The request context that travels from the API to the engine."""

from oslo_context import context as o_context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(o_context.RequestContext):
    """oslo.context's context, able to carry an enginefacade session.

    It is serialized across RPC with :meth:`to_dict` and rebuilt with
    :meth:`from_dict`. The auth token is carried so the engine can act on
    behalf of the caller; oslo.context keeps it out of the log dict.
    """

    def __init__(self, all_projects: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.all_projects = all_projects

    def to_dict(self) -> dict:
        values = super().to_dict()
        values['all_projects'] = self.all_projects
        return values

    @classmethod
    def from_dict(cls, values: dict, **kwargs) -> 'RequestContext':
        kwargs.setdefault('all_projects', values.get('all_projects', False))
        return super().from_dict(values, **kwargs)


def get_admin_context() -> RequestContext:
    """A context for the service itself (periodic tasks, drs-manage)."""
    return RequestContext(is_admin=True, overwrite=False)
