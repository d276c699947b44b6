"""Flow registry and the wiring of a real multi-step flow."""

import types

import pytest
from taskflow.patterns import linear_flow

from drs.engine import flows
from drs.engine.flows import flow_utils
from drs.engine.tasks import base
from drs import exception
from drs.tests.functional.engine import sideeffect_flow

PLAN = {'id': 'p1', 'options': {'test_steps': 5},
        'resources': [{'type': 'OS::Cinder::Volume', 'id': 'v1', 'tier': 1},
                      {'type': 'OS::Nova::Server', 'id': 's1', 'tier': 1}]}


def test_registry_and_config_override(conf, monkeypatch):
    monkeypatch.setattr(flows, 'FLOW_FACTORIES', {})
    with pytest.raises(exception.DrsException):
        flows.factory_path('protect')
    flows.register('protect', 'drs.somewhere.protect_flow')
    assert flows.factory_path('protect') == 'drs.somewhere.protect_flow'
    conf.config(group='engine',
                action_flows={'protect': sideeffect_flow.FACTORY.replace(
                    '.side_effect_flow', ':side_effect_flow')})
    assert flows.factory_path('protect') == sideeffect_flow.FACTORY
    assert flows.get_factory('protect') is sideeffect_flow.side_effect_flow


def test_side_effect_flow_wiring():
    flow = sideeffect_flow.side_effect_flow(PLAN, {})
    atoms = {a.name: a for a in flow_utils.iter_atoms(flow)}
    assert list(atoms) == ['step-1', 'step-2a', 'step-2b', 'step-3',
                           'step-4', 'summary']
    step = atoms['step-1']
    assert set(step.requires) == {base.CONTEXT, base.OPERATION_ID,
                                  base.PLAN_ID}
    assert set(step.provides) == {'step-1_done'}
    assert step.resource == {'type': 'OS::Cinder::Volume', 'id': 'v1'}
    assert atoms['step-2a'].resource == {'type': 'OS::Nova::Server',
                                         'id': 's1'}
    summary = atoms['summary']
    assert set(summary.requires) == {
        base.CONTEXT, base.OPERATION_ID} | {
        '%s_done' % n for n in atoms if n != 'summary'}
    # Everything the flow needs from outside is in the engine's store.
    assert set(flow.requires) <= set(base.STORE_KEYS)


def test_flow_factory_is_reimportable_by_name():
    from taskflow.engines import helpers
    name, fun = helpers._fetch_validate_factory(
        sideeffect_flow.side_effect_flow)
    assert name == sideeffect_flow.FACTORY
    assert fun is sideeffect_flow.side_effect_flow


def test_iter_atoms_walks_nested_flows():
    inner = linear_flow.Flow('inner').add(
        sideeffect_flow.RecordStep('b', None, 0))
    outer = linear_flow.Flow('outer').add(
        sideeffect_flow.RecordStep('a', None, 0), inner)
    assert [a.name for a in flow_utils.iter_atoms(outer)] == ['a', 'b']


def test_plan_snapshot_is_plain():
    plan = types.SimpleNamespace(
        id='p', project_id='proj', name='n', source_site_id='s',
        target_site_id='t', reversed=False, options={'x': 1}, mappings={},
        resources=[types.SimpleNamespace(resource_type='OS::Nova::Server',
                                         resource_id='r', tier=2)])
    snap = flow_utils.plan_snapshot(plan)
    assert snap['resources'] == [{'type': 'OS::Nova::Server', 'id': 'r',
                                  'tier': 2}]
    assert snap['options'] == {'x': 1}
    import json
    assert json.loads(json.dumps(snap)) == snap


def test_retrying_subflow_is_bounded():
    sub = flow_utils.retrying(linear_flow.Flow, 'volumes',
                              sideeffect_flow.RecordStep('a', None, 0),
                              attempts=3)
    assert isinstance(sub.retry, base.BoundedRetry)
    assert sub.retry.name == 'volumes-retry'
    assert sub.retry._attempts == 3
    assert [a.name for a in flow_utils.iter_atoms(sub)] == ['a']
