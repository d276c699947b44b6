"""Start-up shared by every drs process."""

from oslo_config import cfg
from oslo_log import log
from oslo_service import backend as service_backend
from oslo_reports import guru_meditation_report as gmr
from oslo_reports import opts as gmr_opts

from drs.conf import opts as conf_opts
from drs import version

CONF = cfg.CONF
_logging_registered = False


def register_logging(conf: cfg.ConfigOpts = CONF) -> None:
    global _logging_registered
    if not _logging_registered:
        log.register_options(conf)
        gmr_opts.set_defaults(conf)
        _logging_registered = True


def use_threading_backend() -> None:
    """drs runs without eventlet: oslo.service's threading backend."""
    try:
        service_backend.init_backend(service_backend.BackendType.THREADING)
    except service_backend.exceptions.BackendAlreadySelected:
        pass


def prepare_service(argv: list[str] | None = None,
                    conf: cfg.ConfigOpts = CONF,
                    default_config_files: list[str] | None = None) -> None:
    """Parse the command line and config files, set up logging."""
    use_threading_backend()
    register_logging(conf)
    conf_opts.set_defaults(conf)
    conf(argv if argv is not None else [], project='drs',
         version=version.version_string(),
         default_config_files=default_config_files)
    log.setup(conf, 'drs')
    gmr.TextGuruMeditation.setup_autorun(version.version_info, conf=conf)
