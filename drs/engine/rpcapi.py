"""Client side of the engine's RPC API.

API version history:

* 1.0 -- ``run_operation(operation_id)`` and
  ``cancel_operation(operation_id)``.

The server side is :class:`drs.engine.manager.EngineManager`, whose
``RPC_API_VERSION`` must be raised with this one.
"""

from oslo_config import cfg
import oslo_messaging as messaging

from drs.common import rpc

CONF = cfg.CONF

RPC_API_VERSION = '1.0'


class EngineAPI:
    """Casts from the API to any engine worker on the topic."""

    def __init__(self, topic: str | None = None):
        target = messaging.Target(topic=topic or CONF.engine.topic,
                                  version=RPC_API_VERSION)
        self.client = rpc.get_client(target,
                                     version_cap=CONF.engine.version_cap)

    def run_operation(self, context, operation_id: str) -> None:
        """Run a PENDING operation (its row is committed before the cast).

        .. versionadded:: 1.0
        """
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'run_operation', operation_id=operation_id)

    def cancel_operation(self, context, operation_id: str) -> None:
        """Ask the engine running the operation to stop and revert it.

        The request is already recorded in the database (the operation is
        ``cancelling``); the cast only wakes the engine up sooner.

        .. versionadded:: 1.0
        """
        cctxt = self.client.prepare(version='1.0', fanout=True)
        cctxt.cast(context, 'cancel_operation', operation_id=operation_id)
