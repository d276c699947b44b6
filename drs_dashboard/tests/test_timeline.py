"""The report laid out as a timeline: tiers, critical path, marks."""

from drs_dashboard.api import drs
from drs_dashboard.tests import fixtures as fx


def bars_by_step(chart):
    return {(r['step'], (r['resource'] or {}).get('id')): r
            for r in chart['rows']}


def test_one_bar_per_step_grouped_by_tier():
    chart = drs.timeline(fx.REPORT, fx.plan())
    assert len(chart['rows']) == len(fx.REPORT['steps'])
    labels = [g['label'] for g in chart['groups']]
    # Steps of no resource first, then the tiers in order (the plan
    # puts the container in tier 1, the server in tier 2).
    assert labels[0] == 'Plan steps'
    assert labels[1:] == ['Tier 1', 'Tier 2']
    rows = bars_by_step(chart)
    # The server's volumes sit in the server's tier.
    vol = rows[('import-volume', fx.VOL_BOOT)]
    assert vol['tier'] == 2
    # Rows go down the page in group order.
    ys = [r['y'] for r in chart['rows']]
    assert ys == sorted(ys)


def test_critical_path_is_the_chain_that_ends_last():
    chart = drs.timeline(fx.REPORT, fx.plan())
    rows = bars_by_step(chart)
    critical = {k for k, r in rows.items() if r['critical']}
    assert critical == {
        ('cutoff', None), ('import-volume', fx.VOL_BOOT),
        ('import-volume', fx.VOL_DATA),
        ('create-server-' + fx.SERVER, fx.SERVER),
        ('wait-active-' + fx.SERVER, fx.SERVER)}
    # The container ran beside the volumes: not on the path.
    assert not rows[('activate-container-app', 'app')]['critical']


def test_bars_are_placed_by_time():
    chart = drs.timeline(fx.REPORT, fx.plan())
    rows = bars_by_step(chart)
    first = rows[('cutoff', None)]
    last = rows[('wait-active-' + fx.SERVER, fx.SERVER)]
    assert first['x'] == chart['label_w']
    assert last['x'] > first['x']
    assert last['x'] + last['w'] <= chart['width']
    marks = {m['name']: m for m in chart['marks']}
    assert marks['RTO']['value'] == '5.5'
    assert marks['RPO']['value'] == '1.2'
    assert marks['RTO']['x'] > marks['RPO']['x']


def test_no_steps_no_chart():
    assert drs.timeline(None) is None
    assert drs.timeline(dict(fx.REPORT, steps=[])) is None


def test_actions_allowed_follow_the_state_machine():
    assert drs.actions_allowed(fx.plan(status='available')) == [
        'protect', 'unprotect']
    assert 'reprotect' in drs.actions_allowed(fx.plan(status='failed_over'))
    assert drs.actions_allowed(fx.plan(current_operation='op')) == []
    assert 'failback' in drs.actions_allowed(fx.plan(reversed=True))
    assert 'failback' not in drs.actions_allowed(fx.plan())


def test_labels_shorten_uuids_not_names():
    chart = drs.timeline(fx.REPORT, fx.plan())
    labels = {r['label'] for r in chart['rows']}
    assert 'wait-active-%s' % fx.SERVER[:8] in labels
    assert 'import-volume %s' % fx.VOL_BOOT[:8] in labels
    assert 'activate-container-app' in labels
