"""The tables of the Protection Plans panel."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from drs_dashboard.api import drs

# In the order of the row's buttons: the first one the plan's state allows
# is the primary button, so the safe, everyday actions come first and
# unprotect last.
ACTION_NAMES = {
    'protect': _('Protect'),
    'test_failover': _('Test Failover'),
    'cleanup_test': _('Clean Up Test'),
    'preflight': _('Run Preflight'),
    'sync': _('Sync Now'),
    'reprotect': _('Reprotect'),
    'planned_migration': _('Planned Migration'),
    'failover': _('Failover'),
    'failback': _('Failback'),
    'unprotect': _('Unprotect'),
}

STATUS_CHOICES = (
    ('available', True), ('protected', True), ('failed_over', True),
    ('protecting', None), ('unprotecting', None), ('failing_over', None),
    ('failing_back', None), ('reprotecting', None),
    ('degraded', False), ('error', False), ('failover_error', False),
)
STATUS_DISPLAY = (
    ('available', _('Available')), ('protected', _('Protected')),
    ('failed_over', _('Failed Over')), ('protecting', _('Protecting')),
    ('unprotecting', _('Unprotecting')), ('failing_over', _('Failing Over')),
    ('failing_back', _('Failing Back')), ('reprotecting', _('Reprotecting')),
    ('degraded', _('Degraded')), ('error', _('Error')),
    ('failover_error', _('Failover Error')),
)
OP_STATUS_DISPLAY = (
    ('pending', _('Pending')), ('running', _('Running')),
    ('succeeded', _('Succeeded')), ('failed', _('Failed')),
    ('cancelling', _('Cancelling')), ('cancelled', _('Cancelled')),
)
OP_STATUS_CHOICES = (
    ('succeeded', True), ('failed', False), ('cancelled', False),
    ('pending', None), ('running', None), ('cancelling', None),
)


class PlanAction(tables.LinkAction):
    """One action of ``POST /v1/plans/{id}/actions``, confirmed in a modal."""

    action = ''
    classes = ('ajax-modal',)
    policy_rules = (('dr', 'dr:plan:action'),)

    def get_link_url(self, datum):
        return reverse('horizon:project:dr_plans:action',
                       args=(datum.id, self.action))

    def allowed(self, request, datum=None):
        if datum is None:
            return False
        return self.action in drs.actions_allowed(datum.raw)


def _make_action(action, danger):
    # One policy rule per action (drs's dr:plan:action:<action>), so what
    # an operator keeps for admins (failover, say) is not offered.
    attrs = {'name': action, 'verbose_name': ACTION_NAMES[action],
             'action': action,
             'policy_rules': (('dr', 'dr:plan:action:%s' % action),)}
    if danger:
        attrs['classes'] = ('ajax-modal', 'btn-danger')
    return type('%sAction' % action.title().replace('_', ''),
                (PlanAction,), attrs)


PLAN_ACTIONS = tuple(_make_action(a, a in drs.DANGEROUS)
                     for a in ACTION_NAMES)


class CreatePlan(tables.LinkAction):
    name = 'create'
    verbose_name = _('Create Plan')
    url = 'horizon:project:dr_plans:choose_sites'
    classes = ('ajax-modal',)
    icon = 'plus'
    policy_rules = (('dr', 'dr:plan:create'),)


class EditPlan(tables.LinkAction):
    """The Edit Plan workflow, offered while no operation runs (the API
    then refuses a change of mappings or resources)."""

    name = 'edit'
    verbose_name = _('Edit Plan')
    url = 'horizon:project:dr_plans:update'
    icon = 'pencil'
    policy_rules = (('dr', 'dr:plan:update'),)

    def allowed(self, request, datum=None):
        return datum is not None and drs.edit_allowed(datum.raw)


class DeletePlan(tables.DeleteAction):
    policy_rules = (('dr', 'dr:plan:delete'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Plan', 'Delete Plans', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted Plan', 'Deleted Plans', count)

    def allowed(self, request, datum=None):
        if datum is None:
            return True
        return (datum.status in ('available', 'error')
                and not datum.current_operation)

    def delete(self, request, obj_id):
        drs.plan_delete(request, obj_id)


class UpdateRow(tables.Row):
    ajax = True

    def get_data(self, request, plan_id):
        return drs.plan_row(request, drs.plan_get(request, plan_id))


def route(plan):
    return format_html('{} &rarr; {}', plan.source_name, plan.target_name)


def rpo(plan):
    achieved = plan.rpo_seconds_achieved
    target = plan.rpo_seconds
    if achieved is None:
        text = _('not measured') if target is None else \
            _('not measured / %(t)s s') % {'t': target}
        return format_html('<span class="drs-rpo">{}</span>', text)
    over = target is not None and achieved > target
    css = 'drs-rpo-over text-danger' if over else 'drs-rpo-ok text-success'
    text = '%.1f s / %s s' % (achieved, target) if target is not None \
        else '%.1f s' % achieved
    return format_html('<span class="drs-rpo {}" title="{}">{}</span>', css,
                       _('achieved / target'), text)


def last_operation(plan):
    op = plan.last_operation
    if not op:
        return '-'
    url = reverse('horizon:project:dr_plans:operation', args=(op['id'],))
    css = {'succeeded': 'text-success', 'failed': 'text-danger'}.get(
        op['status'], '')
    return format_html('<a href="{}">{}</a><span class="{}">&nbsp;({})</span>',
                       url, ACTION_NAMES.get(op['action'], op['action']),
                       css, dict(OP_STATUS_DISPLAY).get(op['status'],
                                                        op['status']))


class PlansTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name', verbose_name=_('Name'),
        link='horizon:project:dr_plans:detail')
    status = tables.Column(
        'status', verbose_name=_('Status'), status=True,
        status_choices=STATUS_CHOICES, display_choices=STATUS_DISPLAY)
    route = tables.Column(route, verbose_name=_('Source → Target'))
    rpo = tables.Column(rpo, verbose_name=_('RPO (achieved / target)'))
    test = tables.Column(
        lambda p: _('Test running') if p.test_active else '',
        verbose_name=_('Test'))
    last_op = tables.Column(last_operation, verbose_name=_('Last Operation'))

    class Meta:
        name = 'plans'
        verbose_name = _('Protection Plans')
        status_columns = ['status']
        row_class = UpdateRow
        table_actions = (CreatePlan, DeletePlan)
        row_actions = PLAN_ACTIONS + (EditPlan, DeletePlan)


# ----------------------------------------------------- plan detail tables

def replication_state(res):
    rep = res.replication or {}
    return rep.get('state') or '-'


def lag(res):
    value = (res.replication or {}).get('lag_seconds')
    return '-' if value is None else '%.1f s' % value


class ResourcesTable(tables.DataTable):
    type = tables.Column('type', verbose_name=_('Type'))
    name = tables.Column('display_name', verbose_name=_('Resource'))
    tier = tables.Column('tier', verbose_name=_('Tier'))
    state = tables.Column(replication_state,
                          verbose_name=_('Replication State'))
    lag = tables.Column(lag, verbose_name=_('Lag'))

    def get_object_id(self, datum):
        return '%s:%s' % (datum.type, datum.id)

    class Meta:
        name = 'resources'
        verbose_name = _('Protected Resources')
        footer = False


class MappingsTable(tables.DataTable):
    kind = tables.Column('kind_display', verbose_name=_('Kind'))
    source = tables.Column('source', verbose_name=_('Source'))
    target = tables.Column('target', verbose_name=_('Target'))

    def get_object_id(self, datum):
        return '%s:%s' % (datum.kind, datum.source)

    class Meta:
        name = 'mappings'
        verbose_name = _('Mappings')
        footer = False


class RecipesTable(tables.DataTable):
    server = tables.Column('server_name', verbose_name=_('Server'))
    flavor = tables.Column('flavor_name', verbose_name=_('Flavor'))
    image = tables.Column('image_name', verbose_name=_('Image'))
    ports = tables.Column('ports_text', verbose_name=_('Ports'))
    volumes = tables.Column('volumes_text', verbose_name=_('Volumes'))
    groups = tables.Column('groups_text', verbose_name=_('Security Groups'))
    captured = tables.Column('captured', verbose_name=_('Captured'))

    class Meta:
        name = 'recipes'
        verbose_name = _('Recovery Recipes')
        footer = False


def op_link(op):
    return reverse('horizon:project:dr_plans:operation', args=(op.id,))


class OperationsTable(tables.DataTable):
    action = tables.Column(
        lambda o: ACTION_NAMES.get(o.action, o.action),
        verbose_name=_('Action'), link=op_link)
    status = tables.Column(
        'status', verbose_name=_('Status'), status=True,
        status_choices=OP_STATUS_CHOICES, display_choices=OP_STATUS_DISPLAY)
    created = tables.Column('created_at', verbose_name=_('Requested'))
    finished = tables.Column('finished_at', verbose_name=_('Finished'))
    error = tables.Column(
        lambda o: (o.error or {}).get('detail') or '',
        verbose_name=_('Error'))

    class Meta:
        name = 'operations'
        verbose_name = _('Operations')
        status_columns = ['status']
        footer = False
