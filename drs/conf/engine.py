"""Options of the [engine] group."""

from oslo_config import cfg

from drs.i18n import _

engine_group = cfg.OptGroup(
    'engine', title=_('Engine options'),
    help=_('Options of drs-engine, which runs operations as TaskFlow '
           'graphs.'))

engine_opts = [
    cfg.StrOpt(
        'topic', default='drs-engine',
        help=_('The RPC topic the engine listens on.')),
    cfg.StrOpt(
        'version_cap',
        help=_('Highest RPC API version the API may send to the engine. '
               'Set it to the older version during a rolling upgrade.')),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(engine_group)
    conf.register_opts(engine_opts, group=engine_group)


def list_opts() -> dict:
    return {engine_group: engine_opts}
