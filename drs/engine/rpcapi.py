"""Client side of the engine's RPC API.

API version history:

* 1.0 -- ``run_operation(operation_id)`` and
  ``cancel_operation(operation_id)``.
* 1.1 -- ``check_resources(project_id, site_id, resources)``, a call: the
  engine checks with the caller's token that the resources of a plan
  being stored belong to its project.

The server side is :class:`drs.engine.manager.EngineManager`, whose
``RPC_API_VERSION`` must be raised with this one.
"""

from typing import Any

from oslo_config import cfg
import oslo_messaging as messaging

from drs.common import rpc

CONF = cfg.CONF

RPC_API_VERSION = '1.1'


class EngineAPI:
    """Casts from the API to any engine worker on the topic."""

    def __init__(self, topic: str | None = None):
        target = messaging.Target(topic=topic or CONF.engine.topic,
                                  version=RPC_API_VERSION)
        self.client = rpc.get_client(target,
                                     version_cap=CONF.engine.version_cap)

    def run_operation(self, context, operation_id: str) -> None:
        """Run a PENDING operation (its row is committed before the cast).

        .. versionadded:: 1.0
        """
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'run_operation', operation_id=operation_id)

    def cancel_operation(self, context, operation_id: str) -> None:
        """Ask the engine running the operation to stop and revert it.

        The request is already recorded in the database (the operation is
        ``cancelling``); the cast only wakes the engine up sooner.

        .. versionadded:: 1.0
        """
        cctxt = self.client.prepare(version='1.0', fanout=True)
        cctxt.cast(context, 'cancel_operation', operation_id=operation_id)

    def check_resources(self, context, project_id: str, site_id: str,
                        resources: list[dict], timeout: int
                        ) -> dict[str, Any]:
        """The engine's ownership check of a plan's resources at its
        source site (:func:`drs.engine.protect.check_resources`).

        A call that waits at most ``timeout`` seconds, connecting to the
        broker at most twice, and sent ``at_least_once`` (RabbitMQ's
        mandatory flag): with no engine queue bound it fails at once
        (``MessageUndeliverable``) instead of waiting out the timeout. An
        engine capped below 1.1 is not asked (``{'checked': False}``).
        Messaging errors are the caller's to handle.

        .. versionadded:: 1.1
        """
        if not self.client.can_send_version('1.1'):
            return {'checked': False,
                    'reason': 'the engine is pinned below RPC 1.1'}
        cctxt = self.client.prepare(
            version='1.1', timeout=timeout, retry=1,
            transport_options=messaging.TransportOptions(
                at_least_once=True))
        return cctxt.call(context, 'check_resources',
                          project_id=project_id, site_id=site_id,
                          resources=resources)
