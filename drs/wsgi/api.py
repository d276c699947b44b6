"""WSGI entry point for uWSGI, gunicorn or mod_wsgi.

``drs.wsgi.api:application``. The configuration files come from
``OS_DRS_CONFIG_FILES`` (comma or space separated) when set, else from
oslo.config's default places (``/etc/drs/drs.conf``, ...).
"""

import os
import threading

from drs.api import app as api_app
from drs.common import service

_lock = threading.Lock()
_application = None


def init_application():
    files = os.environ.get('OS_DRS_CONFIG_FILES')
    config_files = ([f for f in files.replace(',', ' ').split() if f]
                    if files else None)
    service.prepare_service([], default_config_files=config_files)
    return api_app.setup_app()


def application(environ, start_response):
    """Build the app on the first request, in the worker that serves it."""
    global _application
    if _application is None:
        with _lock:
            if _application is None:
                _application = init_application()
    return _application(environ, start_response)
