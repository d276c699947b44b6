"""drs-api: the API in a development server.

For production, run ``drs.wsgi.api:application`` under uWSGI, gunicorn
or mod_wsgi.
"""

import socketserver
import sys
from wsgiref import simple_server

from oslo_config import cfg
from oslo_log import log

from drs.api import app as api_app
from drs.common import service

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn,
                           simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        LOG.info('%s %s', self.address_string(), format % args)


def make_server(app, host: str, port: int):
    return simple_server.make_server(host, port, app,
                                     server_class=_ThreadingWSGIServer,
                                     handler_class=_QuietHandler)


def main(argv: list[str] | None = None) -> None:
    service.prepare_service(sys.argv[1:] if argv is None else argv)
    server = make_server(api_app.setup_app(), CONF.api.host_ip,
                         CONF.api.port)
    LOG.info('drs-api (development server) listening on http://%s:%s/',
             CONF.api.host_ip, CONF.api.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
