"""drs exceptions.

Every error that may reach an API user is a :class:`DrsException` with an
HTTP status, a stable machine-readable ``code`` (``drs.<resource>.<what>``)
and a human-readable message. The API turns them into the API-SIG error
format; anything else becomes a 500 whose detail says nothing about the
internals.
"""

from http import HTTPStatus

from drs.i18n import _


class DrsException(Exception):
    """Base exception: format ``msg_fmt`` with the keyword arguments."""

    msg_fmt = _('An unknown error occurred.')
    code = 'drs.internal_error'
    status = HTTPStatus.INTERNAL_SERVER_ERROR

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if not message:
            message = self.msg_fmt % kwargs
        self.message = message
        super().__init__(message)

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


class Invalid(DrsException):
    msg_fmt = _('Invalid request: %(detail)s')
    code = 'drs.invalid'
    status = HTTPStatus.BAD_REQUEST


class InvalidParameter(Invalid):
    msg_fmt = _("Invalid value for '%(name)s': %(detail)s")
    code = 'drs.invalid_parameter'


class ValidationError(Invalid):
    msg_fmt = _('%(detail)s')
    code = 'drs.validation_error'


class ResourceNotInProject(InvalidParameter):
    """A plan names a resource that is not its project's at the source
    site (another project's, or one the caller cannot see)."""

    code = 'drs.plan.resource_not_in_project'


class UnsupportedMediaType(DrsException):
    msg_fmt = _('The body must be JSON (Content-Type: application/json), '
                'not %(content_type)s.')
    code = 'drs.unsupported_media_type'
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class NotAuthorized(DrsException):
    msg_fmt = _('Policy does not allow %(action)s to be performed.')
    code = 'drs.forbidden'
    status = HTTPStatus.FORBIDDEN


class NotFound(DrsException):
    msg_fmt = _('Resource could not be found.')
    code = 'drs.not_found'
    status = HTTPStatus.NOT_FOUND


class SiteNotFound(NotFound):
    msg_fmt = _('Site %(site)s could not be found.')
    code = 'drs.site.not_found'


class PlanNotFound(NotFound):
    msg_fmt = _('Plan %(plan)s could not be found.')
    code = 'drs.plan.not_found'


class OperationNotFound(NotFound):
    msg_fmt = _('Operation %(operation)s could not be found.')
    code = 'drs.operation.not_found'


class Conflict(DrsException):
    msg_fmt = _('Conflict: %(detail)s')
    code = 'drs.conflict'
    status = HTTPStatus.CONFLICT


class SiteExists(Conflict):
    msg_fmt = _("A site named '%(name)s' already exists.")
    code = 'drs.site.exists'


class SiteInUse(Conflict):
    msg_fmt = _('Site %(site)s is used by %(count)d protection plan(s).')
    code = 'drs.site.in_use'


class PlanExists(Conflict):
    msg_fmt = _("A plan named '%(name)s' already exists in this project "
                "(%(plan)s); plan names are unique in a project.")
    code = 'drs.plan.exists'


class ResourceInOtherPlan(Conflict):
    msg_fmt = _('%(type)s %(id)s is already protected by plan %(plan)s '
                '(%(name)s); a resource belongs to at most one plan.')
    code = 'drs.plan.resource_in_other_plan'


class PlanInvalidState(Conflict):
    msg_fmt = _('Plan %(plan)s is %(status)s: %(detail)s')
    code = 'drs.plan.invalid_state'


class PlanBusy(Conflict):
    msg_fmt = _('Plan %(plan)s already has operation %(operation)s '
                '(%(action)s) running.')
    code = 'drs.plan.busy'


class NoServiceCredentials(DrsException):
    msg_fmt = _('drs cannot protect plans here: it has no service '
                'credentials ([service_auth]) to make the Keystone trust the '
                'engine acts through. Ask the cloud operator to configure '
                '[service_auth]; no plan was created.')
    code = 'drs.plan.no_service_credentials'
    status = HTTPStatus.SERVICE_UNAVAILABLE


class NotAcceptable(DrsException):
    msg_fmt = _('%(detail)s')
    code = 'drs.not_acceptable'
    status = HTTPStatus.NOT_ACCEPTABLE


class MicroversionNotSupported(NotAcceptable):
    msg_fmt = _('Version %(requested)s is not supported by the API. '
                'Minimum is %(min)s and maximum is %(max)s.')
    code = 'drs.microversion.unsupported'
