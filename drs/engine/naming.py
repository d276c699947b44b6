"""How drs names and tags what it creates at a site.

Everything a recovery makes carries a deterministic name or metadata (the
plan, the source resource, the kind of operation), so a task that runs
again (a retry, or a flow resumed after its engine died) finds and adopts
what exists instead of duplicating it, and ``cleanup_test`` removes what a
test made even when no event recorded it.
"""

import uuid

# Metadata keys drs sets on what it creates (servers and volumes).
META_PLAN = 'drs_plan'
META_SOURCE = 'drs_source'
META_KIND = 'drs_kind'
KIND_FAILOVER = 'failover'
KIND_TEST = 'test'

_COPY_NAMESPACE = uuid.UUID('6a1f3c1e-5a4b-4d61-9a0c-2f1d2b7d9e10')


def meta(kind: str, plan_id: str, source_id: str | None = None) -> dict:
    """The metadata of what ``kind`` made for ``plan_id`` (of
    ``source_id``, when given)."""
    out = {META_PLAN: plan_id, META_KIND: kind}
    if source_id is not None:
        out[META_SOURCE] = source_id
    return out


def copy_id(plan_id: str, source_volume_id: str) -> str:
    """The id of a test failover's copy of a replica (storage side)."""
    return str(uuid.uuid5(_COPY_NAMESPACE,
                          '%s/%s' % (plan_id, source_volume_id)))


def volume_name(kind: str, source_volume_id: str) -> str:
    return 'drs-%s-%s' % (kind, source_volume_id)


def port_name(kind: str, plan_id: str, source_port_id: str) -> str:
    return 'drs-%s-%s-%s' % (kind, plan_id, source_port_id)


def port_prefix(kind: str, plan_id: str) -> str:
    return 'drs-%s-%s-' % (kind, plan_id)


def test_name_prefix(plan_id: str) -> str:
    """What a test failover creates at the target when it is missing
    there: security groups ``<prefix><source group id>``, key pairs
    ``<prefix><name>``; ``cleanup_test`` removes them by this prefix."""
    return 'drs-test-%s-' % plan_id


def test_network_name(plan_id: str, source_network_id: str) -> str:
    return 'drs-test-%s-%s' % (plan_id, source_network_id)
