"""Helpers shared by flow factories and the engine."""

from collections.abc import Iterator

from taskflow import atom as tf_atom
from taskflow import flow as tf_flow
from taskflow.patterns import linear_flow


def plan_snapshot(plan) -> dict:
    """The plain-dict view of a plan a flow factory is built from.

    Taken once, when the operation is posted, and saved with the factory
    arguments: a resumed flow is rebuilt from the same snapshot, so it
    has the same atoms even if the plan changed meanwhile.
    """
    return {
        'id': plan.id,
        'project_id': plan.project_id,
        'name': plan.name,
        'source_site_id': plan.source_site_id,
        'target_site_id': plan.target_site_id,
        'reversed': bool(plan.reversed),
        'options': dict(plan.options or {}),
        'mappings': dict(plan.mappings or {}),
        'resources': [
            {'type': r.resource_type, 'id': r.resource_id, 'tier': r.tier}
            for r in plan.resources],
    }


def iter_atoms(flow: tf_flow.Flow) -> Iterator[tf_atom.Atom]:
    """Every atom of ``flow`` and of its subflows, depth first."""
    for node, _meta in flow.iter_nodes():
        if isinstance(node, tf_flow.Flow):
            yield from iter_atoms(node)
        else:
            yield node


def width(flow: tf_flow.Flow) -> int:
    """How many atoms of ``flow`` can run at the same time: a linear
    flow runs one child at a time (its widest), an unordered or graph
    flow all of its children together (the sum of their widths)."""
    widths = [width(node) if isinstance(node, tf_flow.Flow) else 1
              for node, _meta in flow.iter_nodes()]
    if not widths:
        return 0
    if isinstance(flow, linear_flow.Flow):
        return max(widths)
    return sum(widths)


def retrying(flow_class, name: str, *atoms, attempts: int = 2):
    """A subflow that is retried as a whole when one of its atoms fails.

    At most ``attempts`` runs; each failed run is reverted before the
    next. A cancellation is never retried: the whole operation reverts at
    once. The built-in flows retry no subflow (transient API failures are
    retried per request, ``[drivers] http_retries``, and an operation that
    failed is resumed by running its action again); this is for custom
    flows (``[engine] action_flows``).
    """
    from drs.engine.tasks import base

    subflow = flow_class(name, retry=base.BoundedRetry(
        name='%s-retry' % name, attempts=attempts))
    return subflow.add(*atoms)
