"""oslo.messaging plumbing: transport, serializer, clients and servers."""

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher
from oslo_serialization import jsonutils

from drs import context as drs_context

CONF = cfg.CONF

_TRANSPORT = None
_NOTIFICATION_TRANSPORT = None
_NOTIFIER = None


class JsonPayloadSerializer(messaging.NoOpSerializer):
    @staticmethod
    def serialize_entity(context, entity):
        return jsonutils.to_primitive(entity, convert_instances=True)


class RequestContextSerializer(messaging.Serializer):
    """Carries drs's RequestContext across RPC."""

    def __init__(self, base: messaging.Serializer | None = None):
        self._base = base

    def serialize_entity(self, context, entity):
        if not self._base:
            return entity
        return self._base.serialize_entity(context, entity)

    def deserialize_entity(self, context, entity):
        if not self._base:
            return entity
        return self._base.deserialize_entity(context, entity)

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return drs_context.RequestContext.from_dict(context)


def init(conf: cfg.ConfigOpts = CONF) -> None:
    """Create the transports; idempotent."""
    global _TRANSPORT, _NOTIFICATION_TRANSPORT, _NOTIFIER
    if _TRANSPORT is None:
        _TRANSPORT = messaging.get_rpc_transport(conf)
    if _NOTIFICATION_TRANSPORT is None:
        _NOTIFICATION_TRANSPORT = messaging.get_notification_transport(conf)
        _NOTIFIER = messaging.Notifier(
            _NOTIFICATION_TRANSPORT,
            serializer=RequestContextSerializer(JsonPayloadSerializer()),
            publisher_id='drs-engine.%s' % conf.host)


def cleanup() -> None:
    global _TRANSPORT, _NOTIFICATION_TRANSPORT, _NOTIFIER
    for transport in (_TRANSPORT, _NOTIFICATION_TRANSPORT):
        if transport is not None:
            transport.cleanup()
    _TRANSPORT = _NOTIFICATION_TRANSPORT = _NOTIFIER = None


def get_transport():
    if _TRANSPORT is None:
        init()
    return _TRANSPORT


def get_client(target: messaging.Target,
               version_cap: str | None = None) -> messaging.RPCClient:
    return messaging.get_rpc_client(
        get_transport(), target, version_cap=version_cap,
        serializer=RequestContextSerializer(JsonPayloadSerializer()))


def get_server(target: messaging.Target, endpoints: list,
               executor: str = 'threading'):
    return messaging.get_rpc_server(
        get_transport(), target, endpoints, executor=executor,
        serializer=RequestContextSerializer(JsonPayloadSerializer()),
        access_policy=dispatcher.DefaultRPCAccessPolicy)


def get_notifier(publisher_id: str | None = None) -> messaging.Notifier:
    if _NOTIFIER is None:
        init()
    assert _NOTIFIER is not None
    return _NOTIFIER.prepare(publisher_id=publisher_id) if publisher_id \
        else _NOTIFIER
