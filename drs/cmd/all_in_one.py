"""drs-all-in-one: the API and the engine in one process.

The embedded default for a laptop or a demo: SQLite (``[database]
connection`` defaults to ``sqlite:///drs.sqlite``), oslo.messaging's
in-process transport (``fake://``, unless ``transport_url`` says
otherwise) and no jobboard. The schema is created or upgraded at start.
The same code runs split into drs-api and drs-engine in production.
"""

import sys

from oslo_config import cfg
from oslo_log import log
from oslo_messaging import opts as messaging_opts

from drs.api import app as api_app
from drs.cmd import api as api_cmd
from drs.common import rpc
from drs.common import service
from drs.db import migration
from drs.engine import persistence
from drs.engine import service as engine_service

CONF = cfg.CONF
LOG = log.getLogger(__name__)

IN_PROCESS_TRANSPORT = 'fake://'


def set_defaults(conf: cfg.ConfigOpts = CONF) -> None:
    """No broker: oslo.messaging's in-process transport by default."""
    for group, opts in messaging_opts.list_opts():
        if group in (None, 'DEFAULT'):
            conf.register_opts(opts)
    conf.set_default('transport_url', IN_PROCESS_TRANSPORT)


def main(argv: list[str] | None = None) -> None:
    set_defaults()
    service.prepare_service(sys.argv[1:] if argv is None else argv)
    migration.upgrade()
    persistence.upgrade()
    worker = engine_service.EngineWorker()
    worker.start()
    server = api_cmd.make_server(api_app.setup_app(), CONF.api.host_ip,
                                 CONF.api.port)
    LOG.info('drs-all-in-one: API on http://%s:%s/, engine in process '
             '(transport %s, database %s)', CONF.api.host_ip,
             CONF.api.port, CONF.transport_url.split('://')[0],
             CONF.database.connection.split(':')[0])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        worker.stop()
        rpc.cleanup()
