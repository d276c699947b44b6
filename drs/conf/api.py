"""Options of the [api] group."""

from oslo_config import cfg

from drs.i18n import _

api_group = cfg.OptGroup(
    'api', title=_('API options'),
    help=_('Options of the drs REST API service.'))

api_opts = [
    cfg.HostAddressOpt(
        'host_ip', default='127.0.0.1',
        help=_('The IP address on which the development server '
               '(drs-api) listens.')),
    cfg.PortOpt(
        'port', default=9779,
        help=_('The TCP port on which the development server '
               '(drs-api) listens.')),
    cfg.StrOpt(
        'auth_strategy', default='keystone', choices=[
            ('keystone', _('Validate tokens with keystonemiddleware.')),
            ('noauth', _('No authentication: every request is an admin. '
                         'For unit tests only; never in production.'))],
        help=_('How the API authenticates its callers.')),
    cfg.IntOpt(
        'max_limit', default=1000, min=1,
        help=_('The largest number of items a list returns in one page.')),
    cfg.IntOpt(
        'default_limit', default=100, min=1,
        help=_('The number of items a list returns when the request does '
               'not say (capped by max_limit).')),
    cfg.IntOpt(
        'max_url_length', default=4000, min=256,
        help=_('The longest request URL (path and query string) the API '
               'reads; a longer one is a 414 in the API error format. '
               'Keep it below the WSGI server\'s own request-line limit '
               '(gunicorn --limit-request-line, 4094 by default: raise it '
               'to 8190; uWSGI buffer-size), which would otherwise answer '
               'first, in HTML.')),
    cfg.IntOpt(
        'resource_check_timeout', default=20, min=0,
        help=_('Seconds the API waits for the engine to check, with the '
               'caller\'s token at the source site, that every resource '
               'of a plan being created or updated belongs to the plan\'s '
               'project (one synchronous RPC call). A resource of another '
               'project, or one the caller cannot see, is refused (400). '
               'When the engine or the source site does not answer in '
               'time the plan is stored unchecked (logged): the engine '
               'checks every resource again at protect and at every '
               'sync, before acting on it. 0 skips the API\'s check.')),
    cfg.URIOpt(
        'public_endpoint', schemes=['http', 'https'],
        help=_('Public URL of the API, used in the links of responses. '
               'When unset, the host URL of the request is used.')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(api_group)
    conf.register_opts(api_opts, group=api_group)


def list_opts() -> dict:
    return {api_group: api_opts}
