"""An engine worker: the manager behind its oslo.messaging RPC server."""

from typing import Any

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging

from drs.common import rpc
from drs.engine import manager as engine_manager

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class EngineWorker:
    """Starts the manager, then listens on ``[engine] topic``."""

    def __init__(self, worker_id: int = 0, host: str | None = None):
        self.manager = engine_manager.EngineManager(host or CONF.host,
                                                    worker_id=worker_id)
        self.rpcserver: Any = None

    def start(self) -> None:
        self.manager.start()
        target = messaging.Target(topic=CONF.engine.topic,
                                  server=self.manager.host)
        self.rpcserver = rpc.get_server(target, [self.manager])
        self.rpcserver.start()
        LOG.info('drs-engine %s listening on topic %s', self.manager.host,
                 CONF.engine.topic)

    def stop(self, graceful: bool = True) -> None:
        if self.rpcserver is not None:
            self.rpcserver.stop()
            if graceful:
                self.rpcserver.wait()
            self.rpcserver = None
        self.manager.stop(graceful=graceful)
