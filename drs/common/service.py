"""Start-up shared by every drs process."""

import threading

from oslo_config import cfg
from oslo_log import log
from oslo_service import backend as service_backend
from oslo_reports import guru_meditation_report as gmr
from oslo_reports import opts as gmr_opts

from drs.common import log_redaction
from drs.conf import opts as conf_opts
from drs import version

CONF = cfg.CONF
LOG = log.getLogger(__name__)
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
    # Client libraries log bodies at debug: no user data, password, token
    # or trust id in clear in any drs log.
    log_redaction.install()
    setup_guru_meditation(conf)


def setup_guru_meditation(conf: cfg.ConfigOpts = CONF) -> None:
    """Guru Meditation Reports on SIGUSR2, or on a file's change.

    A signal handler can only be installed from the main thread: a WSGI
    server that builds the app in a request thread (mod_wsgi, or a
    threaded server loading it lazily) gets the file watcher of
    ``[oslo_reports] file_event_handler`` when it is set, and otherwise a
    warning instead of a ``ValueError`` on every request.
    """
    main = threading.current_thread() is threading.main_thread()
    if not main and not conf.oslo_reports.file_event_handler:
        LOG.warning('Guru Meditation Reports are off: drs was started '
                    'outside the main thread, where no signal handler can '
                    'be installed; set [oslo_reports] file_event_handler '
                    'to get them.')
    gmr.TextGuruMeditation.setup_autorun(version.version_info, conf=conf,
                                         setup_signal=main)
