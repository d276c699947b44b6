"""View tests of the drs dashboard: Horizon's test helpers, drsclient
mocked at its Python API (``drs_dashboard.api.drs.drsclient``)."""

from unittest import mock

from django.test.utils import override_settings
from django.urls import reverse
from openstack_dashboard.test import helpers

from drsclient import exceptions as drs_exc
from drs_dashboard.api import drs
from drs_dashboard.tests import fixtures as fx

INDEX = reverse('horizon:project:dr_plans:index')
POLICY = 'openstack_auth.policy.check'
DR_CATALOG = {'type': 'dr', 'name': 'drs', 'endpoints_links': [],
              'endpoints': [{'region': 'RegionOne', 'interface': iface,
                             'url': 'http://drs.example.com:9779'}
                            for iface in ('public', 'internal', 'admin')]}


class DrsTestCase(helpers.TestCase):

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog = list(self.service_catalog) + [DR_CATALOG]

    def setUp(self):
        super().setUp()
        self.client_mock = mock.MagicMock(name='drsclient.Client')
        patcher = mock.patch.object(drs, 'drsclient',
                                    return_value=self.client_mock)
        patcher.start()
        self.addCleanup(patcher.stop)
        c = self.client_mock
        c.sites.list.return_value = [fx.SITE_A, fx.SITE_B]
        c.plans.list.return_value = [fx.plan()]
        c.plans.get.return_value = fx.plan()
        c.plans.recipes.return_value = []
        c.operations.list.return_value = [fx.OPERATION]
        c.operations.get.return_value = fx.OPERATION
        c.operations.events.return_value = fx.EVENTS
        c.operations.report.return_value = fx.REPORT

    def login_as_reader(self):
        self.roles_override = [{'id': '3', 'name': 'reader'}]
        self.setActiveUser(id=self.user.id, token=self.token,
                           username=self.user.name,
                           tenant_id=self.tenant.id,
                           authorized_tenants=self.tenants.list())

    def setActiveUser(self, *args, **kwargs):
        kwargs['service_catalog'] = self.service_catalog
        if getattr(self, 'roles_override', None) is not None:
            kwargs['roles'] = self.roles_override
        super().setActiveUser(*args, **kwargs)


@override_settings(POLICY_CHECK_FUNCTION=POLICY)
class PlansIndexTests(DrsTestCase):

    def test_index_shows_site_names_rpo_and_last_operation(self):
        over = fx.plan(id='p2', name='late', rpo_seconds=10,
                       rpo_seconds_achieved=42.0)
        self.client_mock.plans.list.return_value = [fx.plan(), over]
        res = self.client.get(INDEX)
        self.assertEqual(res.status_code, 200)
        html = res.content.decode()
        self.assertIn('dc-east &rarr; dc-west', html)
        self.assertNotIn(fx.SITE_A['id'] + ' &rarr;', html)
        # Within target: green; over target: red.
        self.assertIn('drs-rpo-ok text-success', html)
        self.assertIn('drs-rpo-over text-danger', html)
        self.assertIn('42.0 s / 10 s', html)
        self.assertIn(reverse('horizon:project:dr_plans:operation',
                              args=(fx.OPERATION['id'],)), html)
        self.assertRegex(html, r'Test Failover</a>'
                         r'<span class="text-success">&nbsp;\(Succeeded\)')

    def test_member_sees_the_actions_the_state_allows(self):
        res = self.client.get(INDEX)
        html = res.content.decode()
        plan_id = fx.PLAN['id']
        for action in ('test_failover', 'failover', 'preflight', 'sync',
                       'planned_migration', 'unprotect'):
            self.assertIn(reverse('horizon:project:dr_plans:action',
                                  args=(plan_id, action)), html, action)
        # A protected plan is not protected again, nor failed back.
        for action in ('protect', 'failback', 'reprotect', 'cleanup_test'):
            self.assertNotIn(reverse('horizon:project:dr_plans:action',
                                     args=(plan_id, action)), html, action)
        self.assertIn(reverse('horizon:project:dr_plans:choose_sites'), html)

    def test_reader_sees_no_action_buttons(self):
        self.login_as_reader()
        res = self.client.get(INDEX)
        self.assertEqual(res.status_code, 200)
        html = res.content.decode()
        self.assertIn('billing', html)
        self.assertNotIn('/action/', html)
        self.assertNotIn(reverse('horizon:project:dr_plans:choose_sites'),
                         html)
        self.assertNotIn('Delete Plan', html)

    def test_api_error_is_a_message_with_the_detail(self):
        self.client_mock.plans.list.side_effect = drs_exc.Forbidden(
            detail='policy does not allow dr:plan:get_all', status=403)
        res = self.client.get(INDEX)
        self.assertEqual(res.status_code, 200)
        self.assertMessageCount(res, error=1)
        self.assertIn('policy does not allow dr:plan:get_all',
                      res.content.decode())
        self.assertNotIn('Traceback', res.content.decode())

    def test_test_active_offers_cleanup(self):
        self.client_mock.plans.list.return_value = [fx.plan(test_active=True)]
        html = self.client.get(INDEX).content.decode()
        self.assertIn(reverse('horizon:project:dr_plans:action',
                              args=(fx.PLAN['id'], 'cleanup_test')), html)
        self.assertNotIn(reverse('horizon:project:dr_plans:action',
                                 args=(fx.PLAN['id'], 'test_failover')), html)


@override_settings(POLICY_CHECK_FUNCTION=POLICY)
class PlanDetailTests(DrsTestCase):

    def test_detail_tabs(self):
        url = reverse('horizon:project:dr_plans:detail',
                      args=(fx.PLAN['id'],))
        res = self.client.get(url)
        self.assertEqual(res.status_code, 200)
        html = res.content.decode()
        for tab in ('Overview', 'Resources', 'Recovery Recipes', 'Mappings',
                    'Operations'):
            self.assertIn(tab, html)
        self.assertIn('dc-east &rarr; dc-west', html)
        # Tabs load on demand.
        html = self.client.get(url + '?tab=plan_details__resources').content
        self.assertIn(b'in_sync', html)
        self.assertIn(b'0.9 s', html)   # lag of the server
        html = self.client.get(url + '?tab=plan_details__mappings').content
        self.assertIn(b'net-b', html)   # mapping target
        html = self.client.get(url + '?tab=plan_details__operations').content
        self.assertIn(fx.OPERATION['id'].encode(), html)

    def test_missing_plan_redirects_with_the_detail(self):
        self.client_mock.plans.get.side_effect = drs_exc.ApiNotFound(
            detail='plan x not found', status=404)
        url = reverse('horizon:project:dr_plans:detail', args=('x',))
        res = self.client.get(url)
        self.assertRedirectsNoFollow(res, INDEX)


@override_settings(POLICY_CHECK_FUNCTION=POLICY)
class PlanActionTests(DrsTestCase):

    def url(self, action):
        return reverse('horizon:project:dr_plans:action',
                       args=(fx.PLAN['id'], action))

    def test_failover_asks_for_the_name(self):
        res = self.client.get(self.url('failover'))
        self.assertEqual(res.status_code, 200)
        self.assertIn('confirm_name', res.content.decode())
        self.assertIn('btn btn-danger" type="submit"', res.content.decode())
        res = self.client.post(self.url('failover'), {
            'plan_id': fx.PLAN['id'], 'action': 'failover',
            'confirm_name': 'not-billing'})
        self.assertEqual(res.status_code, 200)
        self.assertIn("The name typed is not the plan", res.content.decode())
        self.client_mock.plans.action.assert_not_called()

    def test_failover_with_the_name_starts_and_shows_the_operation(self):
        self.client_mock.plans.action.return_value = dict(
            fx.OPERATION, status='pending', action='failover')
        res = self.client.post(self.url('failover'), {
            'plan_id': fx.PLAN['id'], 'action': 'failover',
            'confirm_name': 'billing'})
        self.assertRedirectsNoFollow(res, reverse(
            'horizon:project:dr_plans:operation',
            args=(fx.OPERATION['id'],)))
        self.client_mock.plans.action.assert_called_once_with(
            fx.PLAN['id'], 'failover', None)

    def test_test_failover_needs_no_name(self):
        self.client_mock.plans.action.return_value = fx.OPERATION
        res = self.client.get(self.url('test_failover'))
        self.assertNotIn('confirm_name', res.content.decode())
        self.assertIn('btn btn-primary" type="submit"', res.content.decode())
        res = self.client.post(self.url('test_failover'), {
            'plan_id': fx.PLAN['id'], 'action': 'test_failover'})
        self.assertEqual(res.status_code, 302)
        self.client_mock.plans.action.assert_called_once_with(
            fx.PLAN['id'], 'test_failover', None)

    def test_refused_action_shows_the_api_detail(self):
        self.client_mock.plans.action.side_effect = drs_exc.Conflict(
            detail='plan billing already has operation 9a (sync) running',
            status=409)
        res = self.client.post(self.url('sync'), {
            'plan_id': fx.PLAN['id'], 'action': 'sync'}, follow=True)
        self.assertIn('already has operation 9a (sync) running',
                      res.content.decode())


@override_settings(POLICY_CHECK_FUNCTION=POLICY)
class OperationTests(DrsTestCase):

    def test_operation_page_draws_the_timeline(self):
        url = reverse('horizon:project:dr_plans:operation',
                      args=(fx.OPERATION['id'],))
        res = self.client.get(url)
        self.assertEqual(res.status_code, 200)
        html = res.content.decode()
        self.assertIn('<svg', html)
        self.assertEqual(html.count('<rect class="drs-bar'),
                         len(fx.REPORT['steps']))
        self.assertIn('drs-bar critical', html)
        self.assertIn('RTO 5.5 s', html)
        self.assertIn('RPO 1.2 s', html)
        self.assertIn('Tier 2', html)
        self.assertIn('drs-progress-bar', html)
        self.assertIn('operation.js', html)

    def test_running_operation_has_no_report_yet(self):
        self.client_mock.operations.get.return_value = dict(
            fx.OPERATION, status='running', finished_at=None,
            progress={'done': 2, 'total': 8, 'current': 'import-volume'})
        url = reverse('horizon:project:dr_plans:operation',
                      args=(fx.OPERATION['id'],))
        html = self.client.get(url).content.decode()
        self.assertIn('width: 25%', html)
        self.assertIn('import-volume', html)
        self.assertIn('data-terminal="0"', html)
        self.assertNotIn('<svg', html)
        self.client_mock.operations.report.assert_not_called()

    def test_progress_json(self):
        self.client_mock.operations.get.return_value = dict(
            fx.OPERATION, status='running',
            progress={'done': 3, 'total': 4, 'current': 'boot web-1'})
        url = reverse('horizon:project:dr_plans:progress',
                      args=(fx.OPERATION['id'],))
        data = self.client.get(url).json()
        self.assertEqual(data['percent'], 75)
        self.assertEqual(data['current'], 'boot web-1')
        self.assertFalse(data['terminal'])
        self.assertIsNone(data['report_html'])
        self.assertEqual(len(data['events']), 2)

    def test_progress_json_when_done_carries_the_report(self):
        url = reverse('horizon:project:dr_plans:progress',
                      args=(fx.OPERATION['id'],))
        data = self.client.get(url).json()
        self.assertTrue(data['terminal'])
        self.assertEqual(data['percent'], 100)
        self.assertIn('<svg', data['report_html'])

    def test_progress_json_error_is_the_detail(self):
        self.client_mock.operations.get.side_effect = drs_exc.ApiNotFound(
            detail='operation x not found', status=404)
        url = reverse('horizon:project:dr_plans:progress', args=('x',))
        res = self.client.get(url)
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.json(), {'error': 'operation x not found'})

    def test_preflight_findings_are_listed(self):
        self.client_mock.operations.get.return_value = dict(
            fx.OPERATION, action='preflight')
        self.client_mock.operations.report.return_value = dict(
            fx.REPORT, action='preflight', rto_seconds=None,
            rpo_seconds=None, findings=[
                {'resource': {'type': 'OS::Nova::Server', 'id': fx.SERVER},
                 'severity': 'error',
                 'detail': 'flavor m1.tiny is not mapped'}])
        url = reverse('horizon:project:dr_plans:operation',
                      args=(fx.OPERATION['id'],))
        html = self.client.get(url).content.decode()
        self.assertIn('Preflight Findings', html)
        # No RTO nor RPO: the legend starts with no separator.
        self.assertNotRegex(html, r'help-block">\s*&middot;')
        self.assertIn('flavor m1.tiny is not mapped', html)
        self.assertIn('list-group-item-danger', html)


class InventoryTestCase(DrsTestCase):
    """What the sites list (api.cloud.inventory), per region."""

    INVENTORY_A = {
        'servers': [{'id': fx.SERVER, 'name': 'web-1',
                     'volumes': [fx.VOL_BOOT]}],
        'volumes': [{'id': fx.VOL_BOOT, 'name': 'boot', 'attached_to': []},
                    {'id': 'v-free', 'name': 'scratch', 'attached_to': []}],
        'containers': [{'id': 'app', 'name': 'app'}],
        'networks': [{'id': 'net-a', 'name': 'private'}],
        'subnets': [], 'flavors': [{'id': 'm1.tiny', 'name': 'm1.tiny'}],
        'availability_zones': [], 'volume_types': [],
        'security_groups': [], 'errors': []}
    INVENTORY_B = dict(INVENTORY_A, networks=[
        {'id': 'net-x', 'name': 'other'}, {'id': 'net-b', 'name': 'private'}],
        servers=[], volumes=[], containers=[])

    def setUp(self):
        super().setUp()
        patcher = mock.patch(
            'drs_dashboard.api.cloud.inventory',
            side_effect=lambda request, region: {
                'RegionOne': self.INVENTORY_A,
                'RegionTwo': self.INVENTORY_B}[region])
        self.inventory = patcher.start()
        self.addCleanup(patcher.stop)


@override_settings(POLICY_CHECK_FUNCTION=POLICY)
class CreatePlanTests(InventoryTestCase):

    def url(self):
        return '%s?source=%s&target=%s' % (
            reverse('horizon:project:dr_plans:create'), fx.SITE_A['id'],
            fx.SITE_B['id'])

    def test_form_offers_source_resources_and_target_mappings(self):
        res = self.client.get(self.url())
        self.assertEqual(res.status_code, 200)
        html = res.content.decode()
        self.assertIn('Server web-1', html)
        self.assertIn('scratch', html)      # a free volume
        self.assertNotIn('>boot<', html)    # goes with its server
        self.assertIn('map__networks__net-a', html)
        # The same-named target network is preselected.
        self.assertRegex(html, r'value="net-b"\s+selected')

    def test_post_creates_the_plan(self):
        self.client_mock.plans.create.return_value = fx.plan(id='new')
        res = self.client.post(self.url(), {
            'name': 'web', 'rpo_seconds': 60, 'description': '',
            'source_site': fx.SITE_A['id'], 'target_site': fx.SITE_B['id'],
            'server__' + fx.SERVER: '1', 'containers': ['app'],
            'map__networks__net-a': 'net-b',
            'map__flavors__m1.tiny': 'm1.tiny'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, reverse(
            'horizon:project:dr_plans:detail', args=('new',)))
        kwargs = self.client_mock.plans.create.call_args.kwargs
        self.assertEqual(kwargs['name'], 'web')
        self.assertEqual(kwargs['rpo_seconds'], 60)
        self.assertEqual(kwargs['source_site'], fx.SITE_A['id'])
        self.assertEqual(sorted(kwargs['resources'], key=str), sorted([
            {'type': 'OS::Nova::Server', 'id': fx.SERVER, 'tier': 1},
            {'type': 'OS::Swift::Container', 'id': 'app'}], key=str))
        self.assertEqual(kwargs['mappings']['networks'], {'net-a': 'net-b'})
        self.assertEqual(kwargs['mappings']['flavors'],
                         {'m1.tiny': 'm1.tiny'})

    def test_choose_sites_refuses_the_same_site(self):
        url = reverse('horizon:project:dr_plans:choose_sites')
        res = self.client.post(url, {'source_site': fx.SITE_A['id'],
                                     'target_site': fx.SITE_A['id']})
        self.assertIn('must differ', res.content.decode())
        res = self.client.post(url, {'source_site': fx.SITE_A['id'],
                                     'target_site': fx.SITE_B['id']})
        self.assertEqual(res.status_code, 302)
        self.assertIn('source=%s' % fx.SITE_A['id'], res['location'])


@override_settings(POLICY_CHECK_FUNCTION=POLICY)
class SitesTests(DrsTestCase):

    def setActiveUser(self, *args, **kwargs):
        kwargs['roles'] = [self.roles.admin._info]
        super().setActiveUser(*args, **kwargs)

    def test_admin_lists_and_registers_sites(self):
        res = self.client.get(reverse('horizon:admin:dr_sites:index'))
        self.assertEqual(res.status_code, 200)
        self.assertIn('dc-west', res.content.decode())
        self.assertIn('RegionTwo', res.content.decode())
        self.client_mock.sites.create.return_value = fx.SITE_A
        res = self.client.post(reverse('horizon:admin:dr_sites:create'), {
            'name': 'dc-east', 'region_name': 'RegionOne',
            'auth_url': 'http://keystone.example:5000/v3',
            'interface': 'public'})
        self.assertNoFormErrors(res)
        self.client_mock.sites.create.assert_called_once_with(
            name='dc-east', region_name='RegionOne',
            auth_url='http://keystone.example:5000/v3', interface='public')


@override_settings(POLICY_CHECK_FUNCTION=POLICY)
class EditPlanTests(InventoryTestCase):
    """Edit Plan: the create workflow's steps from the plan's values, a
    PATCH of what changed."""

    INVENTORY_A = dict(InventoryTestCase.INVENTORY_A, volumes=[
        {'id': fx.VOL_BOOT, 'name': 'boot', 'attached_to': [fx.SERVER]},
        {'id': 'v-free', 'name': 'scratch', 'attached_to': []}])

    def url(self, plan_id=fx.PLAN['id']):
        return reverse('horizon:project:dr_plans:update', args=(plan_id,))

    def form(self, plan, **changes):
        """What the browser posts for ``plan`` unchanged, then
        ``changes``."""
        data = {'name': plan['name'],
                'description': plan.get('description') or '',
                'rpo_seconds': plan['rpo_seconds'] or '',
                'source_site': plan['source_site'],
                'target_site': plan['target_site'],
                'containers': [r['id'] for r in plan['resources']
                               if r['type'] == 'OS::Swift::Container'],
                'map__networks__net-a': 'net-b',
                'map__flavors__m1.tiny': 'm1.tiny'}
        for r in plan['resources']:
            if r['type'] == 'OS::Nova::Server':
                data['server__' + r['id']] = str(r['tier'])
        data.update(changes)
        return data

    def test_form_is_filled_in_from_the_plan(self):
        plan = fx.plan(status='available', description='pay runs',
                       resources=fx.PLAN['resources'] + [
                           {'id': 'gone', 'type': 'OS::Swift::Container',
                            'tier': 1}],
                       mappings=dict(fx.PLAN['mappings'],
                                     networks={'net-a': 'net-x'}))
        self.client_mock.plans.get.return_value = plan
        res = self.client.get(self.url())
        self.assertEqual(res.status_code, 200)
        self.assertTemplateUsed(res, 'horizon/common/_workflow.html')
        html = res.content.decode()
        self.assertIn('Edit Plan: billing', html)
        self.assertRegex(html, r'name="name" value="billing"')
        self.assertIn('pay runs</textarea>', html)
        self.assertRegex(html, r'name="rpo_seconds" value="120"')
        # The server in its tier (2), the container checked; a container
        # the site no longer lists is kept, named by its id.
        self.assertRegex(html, r'<option value="2"\s+selected="selected"')
        self.assertRegex(html, r'value="app"[^>]*checked')
        self.assertIn('gone (not found at the source site)', html)
        self.assertRegex(html, r'value="gone"[^>]*checked')
        # The plan's mapping, not the same-named network.
        self.assertRegex(html, r'value="net-x"\s+selected')
        self.assertNotRegex(html, r'value="net-b"\s+selected')
        # It opens on its first step; the preflight is not offered to a
        # plan that protects nothing yet.
        self.assertRegex(html, r'name="run_preflight"[^>]*disabled')
        self.assertIn('protect it first', html)

    def test_name_rpo_and_a_tier_are_patched_and_nothing_else(self):
        plan = fx.plan(status='available')
        self.client_mock.plans.get.return_value = plan
        self.client_mock.plans.update.return_value = dict(
            plan, name='billing-2', rpo_seconds=60)
        res = self.client.post(self.url(), self.form(
            plan, name='billing-2', rpo_seconds='60',
            **{'server__' + fx.SERVER: '1'}))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, reverse(
            'horizon:project:dr_plans:detail', args=(plan['id'],)))
        self.client_mock.plans.update.assert_called_once_with(
            plan['id'], name='billing-2', rpo_seconds=60, resources=[
                {'type': 'OS::Nova::Server', 'id': fx.SERVER, 'tier': 1},
                {'type': 'OS::Swift::Container', 'id': 'app', 'tier': 1}])
        self.assertMessageCount(success=1)
        self.client_mock.plans.action.assert_not_called()

    def test_nothing_changed_sends_nothing(self):
        plan = fx.plan(status='available')
        self.client_mock.plans.get.return_value = plan
        res = self.client.post(self.url(), self.form(plan))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, reverse(
            'horizon:project:dr_plans:detail', args=(plan['id'],)))
        self.client_mock.plans.update.assert_not_called()

    def test_protected_plan_keeps_its_resources_and_runs_a_preflight(self):
        # Protected: the resources are read-only (a tier posted anyway is
        # ignored), the mappings change, the preflight is offered.
        plan = fx.plan()
        self.client_mock.plans.get.return_value = plan
        html = self.client.get(self.url()).content.decode()
        self.assertRegex(html, r'<select name="server__%s"[^>]*disabled'
                         % fx.SERVER)
        self.assertIn('unprotect it first', html)
        self.assertRegex(html, r'name="run_preflight"[^>]*checked')
        self.client_mock.plans.update.return_value = plan
        self.client_mock.plans.action.return_value = dict(
            fx.OPERATION, action='preflight', status='pending')
        res = self.client.post(self.url(), self.form(
            plan, run_preflight='on', **{
                'server__' + fx.SERVER: '1',
                'map__networks__net-a': 'net-x'}))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, reverse(
            'horizon:project:dr_plans:operation',
            args=(fx.OPERATION['id'],)))
        self.client_mock.plans.update.assert_called_once_with(
            plan['id'], mappings=dict(fx.PLAN['mappings'],
                                      networks={'net-a': 'net-x'}))
        self.client_mock.plans.action.assert_called_once_with(
            plan['id'], 'preflight', None)

    def test_conflict_is_the_api_detail_and_the_form_again(self):
        plan = fx.plan()
        self.client_mock.plans.get.return_value = plan
        self.client_mock.plans.update.side_effect = drs_exc.Conflict(
            detail='plan billing cannot be changed while operation 9a '
                   'runs', status=409)
        res = self.client.post(self.url(), self.form(
            plan, name='billing-2', **{'map__networks__net-a': 'net-x'}))
        self.assertEqual(res.status_code, 200)
        self.assertMessageCount(res, error=1, success=0)
        html = res.content.decode()
        self.assertIn('cannot be changed while operation 9a runs', html)
        # What the user typed is still there.
        self.assertRegex(html, r'name="name" value="billing-2"')
        self.client_mock.plans.action.assert_not_called()

    def test_edit_is_offered_to_members_on_the_table_and_detail_page(self):
        edit = self.url()
        self.assertIn(edit, self.client.get(INDEX).content.decode())
        self.assertIn(edit, self.client.get(reverse(
            'horizon:project:dr_plans:detail',
            args=(fx.PLAN['id'],))).content.decode())

    def test_edit_is_not_offered_while_an_operation_runs(self):
        busy = fx.plan(status='failing_over',
                       current_operation=fx.OPERATION['id'])
        self.client_mock.plans.list.return_value = [busy]
        self.client_mock.plans.get.return_value = busy
        self.assertNotIn(self.url(), self.client.get(INDEX).content.decode())
        self.assertNotIn(self.url(), self.client.get(reverse(
            'horizon:project:dr_plans:detail',
            args=(fx.PLAN['id'],))).content.decode())

    def test_edit_is_not_offered_to_a_reader(self):
        self.login_as_reader()
        html = self.client.get(INDEX).content.decode()
        self.assertIn('billing', html)
        self.assertNotIn(self.url(), html)
        self.assertNotIn('Edit Plan', html)
