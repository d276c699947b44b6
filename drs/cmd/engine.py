"""drs-engine: ``[engine] workers`` engine processes under cotyledon, or
with one worker (the default) the engine in this process.

No eventlet: each worker is a process with threads (the RPC server's
threading executor, the TaskFlow engines, the jobboard conductor).
"""

import signal
import sys
import threading
from typing import Any

import cotyledon
from oslo_config import cfg
from oslo_log import log

from drs.common import service

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class EngineService(cotyledon.Service):
    name = 'drs-engine'

    def __init__(self, worker_id: int):
        super().__init__(worker_id)  # type: ignore[arg-type]
        self._worker_id = worker_id
        self._worker: Any = None
        self._stopped = threading.Event()

    def run(self) -> None:
        # Imported in the child: transports and connections are created
        # after the fork.
        from drs.engine import service as engine_service
        self._worker = engine_service.EngineWorker(self._worker_id)
        self._worker.start()
        self._stopped.wait()

    def terminate(self) -> None:
        from drs.common import rpc
        if self._worker is not None:
            self._worker.stop()
        rpc.cleanup()
        self._stopped.set()
        super().terminate()


def run_in_process() -> None:
    """One worker: the engine in this process, without cotyledon's
    supervising process (which holds the configuration and the RPC
    libraries it imported before forking: some 80 MiB of RSS). SIGTERM
    and SIGINT stop it gracefully, as cotyledon stops its workers; a
    worker that dies ends the process, for its service manager
    (systemd) to start again."""
    from drs.common import rpc
    from drs.engine import service as engine_service

    stopped = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        LOG.info('drs-engine: signal %d, stopping', signum)
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker = engine_service.EngineWorker(0)
    worker.start()
    try:
        while not stopped.wait(1):
            pass
    finally:
        worker.stop()
        rpc.cleanup()


def main(argv: list[str] | None = None) -> None:
    service.prepare_service(sys.argv[1:] if argv is None else argv)
    if CONF.engine.workers == 1:
        LOG.info('Starting drs-engine with 1 worker, in this process')
        run_in_process()
        return
    manager = cotyledon.ServiceManager()
    manager.add(EngineService, workers=CONF.engine.workers)
    LOG.info('Starting drs-engine with %d worker(s)', CONF.engine.workers)
    manager.run()
