"""WSGI entry point for uWSGI, gunicorn or mod_wsgi.

``drs.wsgi.api:application``. The configuration files come from
``OS_DRS_CONFIG_FILES`` (comma or space separated) when set, else from
oslo.config's default places (``/etc/drs/drs.conf``, ...).

Threaded servers (gunicorn ``--threads``/gthread, uWSGI ``--threads``,
mod_wsgi) are supported: the app is built once, under a lock, by the
first request when the module was not loaded by a main thread, and
nothing in its set-up needs the main thread (Guru Meditation falls back
as :func:`drs.common.service.setup_guru_meditation` says).

drs answers a URL longer than ``[api] max_url_length`` (4000) with a 414
in its error format; the server's own limit must be above it or the
server answers first, in HTML: gunicorn ``--limit-request-line 8190``
(its default, 4094, is just above 4000 for short methods), uWSGI
``--buffer-size 8192``. Apache (mod_wsgi) maps a URL's path to a file
name before any WSGI app sees it, and answers a path longer than
PATH_MAX (4096 bytes with the script's own path) itself, in HTML (404
under ``WSGIScriptAlias``, 403 under mod_wsgi-express); a long query
string still gets drs's 414.

The command lines and the Apache site that are tested are in README.rst
(Deployment) and ``etc/apache2/drs-api.conf``.
"""

import os
import threading

from oslo_log import log

from drs.api import app as api_app
from drs.common import service

LOG = log.getLogger(__name__)

_lock = threading.Lock()
_application = None


def init_application():
    files = os.environ.get('OS_DRS_CONFIG_FILES')
    config_files = ([f for f in files.replace(',', ' ').split() if f]
                    if files else None)
    service.prepare_service([], default_config_files=config_files)
    app = api_app.setup_app()
    # Once per process: the functional tests of the WSGI servers count it.
    LOG.info('drs-api WSGI application built in process %(pid)d '
             '(thread %(thread)s)',
             {'pid': os.getpid(), 'thread': threading.current_thread().name})
    return app


def _get_application():
    global _application
    if _application is None:
        with _lock:
            if _application is None:
                _application = init_application()
    return _application


def application(environ, start_response):
    """The app, built on the first request if it is not built yet."""
    return _get_application()(environ, start_response)
