"""End to end in headless Chromium: a tenant member creates a plan from
real servers of the running test cloud in Horizon, protects it, runs a
test failover and watches it live (the progress advances in place, the
timeline appears as a non-empty SVG), cleans up; a reader of the same
project sees the plan and no action button. Every page is checked for
errors and screenshotted into the folder the test prints."""

import os
import time

import pytest
from selenium.webdriver.common.by import By

from drs_dashboard.tests.e2e.conftest import wait_for

MEMBER = 'tenant1-member'
READER = 'tenant1-reader'
TERMINAL = ('succeeded', 'failed', 'cancelled')
# Messages of the browser console that are not the page's errors.
CONSOLE_NOISE = ('favicon.ico',)


class Page:
    """The browser, with a check and a screenshot after every step."""

    def __init__(self, driver, base, artifacts):
        self.driver = driver
        self.base = base
        self.artifacts = artifacts
        self.n = 0

    def get(self, path):
        self.driver.get(self.base + path)

    def find(self, css, timeout=30):
        return wait_for('element %s' % css,
                        lambda: self.driver.find_element(By.CSS_SELECTOR, css),
                        timeout)

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def check(self, name, allow_error_messages=False):
        """Screenshot, then fail on an error page, an error message or a
        JavaScript error."""
        self.n += 1
        path = os.path.join(self.artifacts, '%02d-%s.png' % (self.n, name))
        self.driver.save_screenshot(path)
        source = self.driver.page_source
        title = self.driver.title
        for marker in ('Traceback (most recent call last)', 'Server error',
                       'Something went wrong'):
            assert marker not in source, '%s: %s (%s)' % (name, marker, path)
        assert 'Error' not in title, '%s: title %r (%s)' % (name, title, path)
        if not allow_error_messages:
            errors = [e.text for e in self.all('.messages .alert-danger')]
            assert not errors, '%s: error messages %r (%s)' % (name, errors,
                                                               path)
        logs = [e for e in self.driver.get_log('browser')
                if e['level'] == 'SEVERE'
                and not any(n in e['message'] for n in CONSOLE_NOISE)]
        assert not logs, '%s: JavaScript errors %r (%s)' % (name, logs, path)
        return path

    def login(self, cloud, user):
        # Logging out is a POST from the user menu; a new user starts
        # with no session cookie instead.
        self.get('/auth/login/')
        for attempt in range(3):
            # Twice seen on a loaded machine: the login page came without
            # its form (the session of the user before still redirecting);
            # a fresh cookie-less load shows it.
            self.driver.delete_all_cookies()
            self.get('/auth/login/')
            try:
                self.find('#id_username', timeout=30)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        self.find('#id_username').send_keys(cloud.user(user)['name'])
        self.find('#id_password').send_keys(cloud.user(user)['password'])
        self.check('login-%s' % user)
        self.find('#loginBtn').click()
        wait_for('logged in', lambda: '/auth/login' not in
                 self.driver.current_url, 60)

    def choose(self, select_id, value):
        """Pick ``value`` in a Horizon themable select."""
        select = self.find('[id="%s"]' % select_id)
        box = select.find_element(By.XPATH, '..')
        box.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
        box.find_element(By.CSS_SELECTOR,
                         'a[data-select-value="%s"]' % value).click()
        assert select.get_attribute('value') == value, (select_id, value)

    def click_js(self, element):
        self.driver.execute_script('arguments[0].click();', element)

    MODAL_SUBMIT = '#modal_wrapper .modal .modal-footer [type=submit]'

    def wait_modal(self):
        """The modal form, once loaded (not Horizon's spinner)."""
        return self.find(self.MODAL_SUBMIT, 60)

    def submit_modal(self):
        self.wait_modal().click()

    def run_action(self, plan_id, action, label, confirm=None):
        """Start an action from the plan's page; lands on the operation."""
        self.get('/project/dr_plans/%s/' % plan_id)
        link = self.find('a[href$="/%s/action/%s/"]' % (plan_id, action))
        assert label in link.get_attribute('textContent'), label
        self.click_js(link)
        self.wait_modal()
        if confirm is not None:
            self.find('#id_confirm_name').send_keys(confirm)
        self.check('modal-%s' % action)
        self.submit_modal()
        wait_for('operation page', lambda: '/operations/' in
                 self.driver.current_url, 60)
        self.find('#drs-operation')

    def watch_operation(self, name, timeout=600):
        """Watch the page until the operation ends, without reloading:
        returns the (percent, current step) values seen."""
        self.driver.execute_script('window.__drsSamePage = 42;')
        seen = []
        deadline = time.monotonic() + timeout
        status = None
        def sample():
            bar = self.find('#drs-progress-bar')
            value = (bar.get_attribute('aria-valuenow'),
                     self.find('#drs-progress-current').text)
            if not seen or seen[-1] != value:
                seen.append(value)
                if len(seen) == 2:
                    self.check('%s-running' % name)

        while time.monotonic() < deadline:
            sample()
            status = self.find('#drs-op-status').text
            if status in TERMINAL and self.driver.execute_script(
                    'return document.getElementById("drs-operation")'
                    '.getAttribute("data-terminal")') == '1':
                # The poller may have moved the bar since it was read.
                sample()
                break
            time.sleep(0.5)
        assert status in TERMINAL, '%s still %s after %ss' % (name, status,
                                                              timeout)
        assert self.driver.execute_script(
            'return window.__drsSamePage;') == 42, 'the page was reloaded'
        return status, seen


@pytest.fixture
def page(browser, dashboard, artifacts):
    return Page(browser, dashboard, artifacts)


def test_plan_lifecycle_in_the_browser(page, cloud, drs, workload):
    server_id = workload.servers[0]
    page.login(cloud, MEMBER)

    # Project -> Disaster Recovery -> Protection Plans.
    page.get('/project/dr_plans/')
    create = page.find('#plans__action_create')
    page.check('plans-empty')

    # Create Plan: the sites, then the workflow.
    page.click_js(create)
    page.wait_modal()
    page.choose('id_source_site', drs.sites['a']['id'])
    page.choose('id_target_site', drs.sites['b']['id'])
    page.check('create-sites')
    page.submit_modal()
    wait_for('workflow', lambda: '/dr_plans/create/' in
             page.driver.current_url, 60)
    name = 'e2e-plan-%s' % workload.container[-8:]
    page.find('#id_name').send_keys(name)
    rpo = page.find('#id_rpo_seconds')
    rpo.clear()
    rpo.send_keys('120')
    page.check('create-details')
    page.driver.find_element(By.LINK_TEXT, 'Resources').click()
    page.choose('id_server__%s' % server_id, '1')
    box = page.find('input[name="containers"][value="%s"]'
                    % workload.container)
    page.click_js(box)
    assert box.is_selected()
    page.check('create-resources')
    page.driver.find_element(By.LINK_TEXT, 'Mappings').click()
    net_a = cloud.site('a')['networks']['tenant1']
    net_b = cloud.site('b')['networks']['tenant1']
    # Same-named networks, subnets, flavors are preselected; set them
    # anyway, as a user checking each would.
    page.choose('id_map__networks__%s' % net_a['network_id'],
                net_b['network_id'])
    page.choose('id_map__subnets__%s' % net_a['subnet_id'],
                net_b['subnet_id'])
    page.choose('id_map__flavors__m1.tiny', 'm1.tiny')
    page.check('create-mappings')
    page.find('.workflow input[type=submit], .workflow button[type=submit]'
              ).click()
    wait_for('plan page', lambda: page.all('.detail-header'), 60)
    page.check('plan-created')
    plans = [p for p in drs.get('/v1/plans')['plans'] if p['name'] == name]
    assert len(plans) == 1, plans
    plan = plans[0]
    try:
        assert {(r['type'], r['id'], r.get('tier')) for r in plan['resources']
                } >= {('OS::Nova::Server', server_id, 1)}
        assert plan['mappings']['networks'] == {
            net_a['network_id']: net_b['network_id']}
        _lifecycle(page, cloud, drs, plan)
    finally:
        _remove_plan(drs, plan['id'])


def _lifecycle(page, cloud, drs, plan):
    # The table shows it with the site names.
    page.get('/project/dr_plans/')
    row = page.find('tr[data-object-id="%s"]' % plan['id'])
    assert '%s → %s' % (drs.sites['a']['name'], drs.sites['b']['name']) \
        in row.text
    page.check('plans-table')

    page.run_action(plan['id'], 'protect', 'Protect')
    status, _seen = page.watch_operation('protect', 300)
    page.check('protect-done')
    assert status == 'succeeded', drs.tail()

    # Preflight: its findings are listed (or it says there are none).
    page.run_action(plan['id'], 'preflight', 'Run Preflight')
    status, _seen = page.watch_operation('preflight', 300)
    assert status == 'succeeded', drs.tail()
    page.find('#drs-report .drs-findings, #drs-report .drs-findings-none')
    page.check('preflight-done')

    _edit(page, drs, plan)

    page.run_action(plan['id'], 'test_failover', 'Test Failover')
    status, seen = page.watch_operation('test-failover', 600)
    assert status == 'succeeded', drs.tail()
    # The bar moved in place: more than one value, ending at 100%.
    assert len(seen) >= 2 and seen[-1][0] == '100', seen
    bars = page.all('#drs-timeline rect.drs-bar')
    assert bars, 'the timeline has no bar'
    assert page.all('#drs-timeline rect.drs-bar.critical')
    assert page.all('#drs-timeline line.drs-mark.RTO')
    assert page.all('#drs-events tbody tr')
    page.check('test-failover-done')

    # The plan's tabs.
    page.get('/project/dr_plans/%s/' % plan['id'])
    for tab in ('resources', 'recipes', 'mappings', 'operations'):
        page.driver.find_element(
            By.CSS_SELECTOR, 'a[data-target="#plan_details__%s"]' % tab
        ).click()
        page.find('#plan_details__%s table' % tab)
        page.check('plan-tab-%s' % tab)

    page.run_action(plan['id'], 'cleanup_test', 'Clean Up Test')
    status, _seen = page.watch_operation('cleanup', 600)
    page.check('cleanup-done')
    assert status == 'succeeded', drs.tail()

    # A dangerous action asks for the name and refuses another.
    page.get('/project/dr_plans/%s/' % plan['id'])
    page.click_js(page.find('a[href$="/action/failover/"]'))
    page.find('#id_confirm_name').send_keys('not-' + plan['name'])
    page.submit_modal()
    page.find('#modal_wrapper .modal .alert-danger, '
              '#modal_wrapper .modal .error')
    page.check('failover-wrong-name', allow_error_messages=True)
    assert drs.plan(plan['id'])['status'] == 'protected'

    # A reader of the project sees the plan and no action.
    page.login(cloud, READER)
    page.get('/project/dr_plans/')
    page.find('tr[data-object-id="%s"]' % plan['id'])
    assert not page.all('a[href*="/action/"]')
    assert not page.all('a[href$="/update/"]')
    assert not page.all('#plans__action_create')
    assert not page.all('button[id*="action_delete"]')
    page.check('reader-plans')
    page.get('/project/dr_plans/%s/' % plan['id'])
    page.find('.detail-header')
    assert not page.all('a[href*="/action/"]')
    assert not page.all('a[href$="/update/"]')
    page.check('reader-plan')

    # An admin sees the sites drs protects between.
    page.login(cloud, 'admin')
    page.get('/admin/dr_sites/')
    table = page.find('#sites')
    for key in ('a', 'b'):
        assert drs.sites[key]['name'] in table.text
    assert page.all('#sites__action_create')
    page.check('admin-sites')


def _edit(page, drs, plan):
    """Edit Plan on the protected plan: filled in from it, its resources
    read-only, a new RPO target and description saved, then the preflight
    its last step offers; the plan's page shows the new values."""
    server_id = next(r['id'] for r in plan['resources']
                     if r['type'] == 'OS::Nova::Server')
    description = 'edited in the browser'
    page.get('/project/dr_plans/%s/' % plan['id'])
    page.click_js(page.find('a[href$="/%s/update/"]' % plan['id']))
    wait_for('edit workflow', lambda: '/update/' in
             page.driver.current_url, 60)
    assert page.find('#id_name').get_attribute('value') == plan['name']
    rpo = page.find('#id_rpo_seconds')
    assert rpo.get_attribute('value') == '120'
    rpo.clear()
    rpo.send_keys('90')
    page.find('#id_description').send_keys(description)
    page.check('edit-details')
    page.driver.find_element(By.LINK_TEXT, 'Resources').click()
    tier = page.find('[id="id_server__%s"]' % server_id)
    assert tier.get_attribute('disabled'), 'resources editable while protected'
    assert tier.get_attribute('value') == '1'
    page.check('edit-resources')
    page.driver.find_element(By.LINK_TEXT, 'Mappings').click()
    page.check('edit-mappings')
    page.driver.find_element(By.LINK_TEXT, 'Preflight').click()
    assert page.find('#id_run_preflight').is_selected()
    page.check('edit-preflight')
    page.find('.workflow input[type=submit], .workflow button[type=submit]'
              ).click()
    wait_for('preflight after the edit', lambda: '/operations/' in
             page.driver.current_url, 60)
    status, _seen = page.watch_operation('edit-preflight', 300)
    assert status == 'succeeded', drs.tail()
    page.check('edit-preflight-done')
    shown = drs.plan(plan['id'])
    assert (shown['rpo_seconds'], shown['description']) == (90, description)
    # Nothing else changed.
    assert shown['mappings'] == plan['mappings']
    assert [(r['type'], r['id'], r['tier']) for r in shown['resources']] == [
        (r['type'], r['id'], r['tier']) for r in plan['resources']]
    page.get('/project/dr_plans/%s/' % plan['id'])
    overview = page.find('.detail')
    assert '90 s' in overview.text and description in overview.text, \
        overview.text
    page.check('plan-edited')


def _remove_plan(drs, plan_id):
    shown = drs.plan(plan_id)
    if shown.get('test_active'):
        drs.run(plan_id, 'cleanup_test', timeout=300)
        shown = drs.plan(plan_id)
    if shown['status'] in ('protected', 'degraded', 'error'):
        drs.run(plan_id, 'unprotect', timeout=300)
    drs.request('DELETE', '/v1/plans/%s' % plan_id, MEMBER)
