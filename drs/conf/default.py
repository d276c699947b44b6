"""Options of the [DEFAULT] group."""

import socket

from oslo_config import cfg

from drs.i18n import _

service_opts = [
    cfg.HostAddressOpt(
        'host', default=socket.gethostname(),
        sample_default='<server-hostname.example.com>',
        help=_('Name of this host. It identifies the engine worker that '
               'runs an operation and must be unique among engines.')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(service_opts)


def list_opts() -> dict:
    return {'DEFAULT': service_opts}
