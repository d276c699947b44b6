"""Create and Edit Plan: resources picked by name at the source site,
tiers, mappings with drop-downs filled from both sites, the RPO target.

Edit runs the same steps with the plan in the workflow's context
(``context['plan']``): they start from its values, keep what the sites no
longer list (nothing is dropped unseen), and show the resources read-only
unless the API lets them change (the plan protects nothing). A last step
offers a preflight; the workflow PATCHes only what changed.
"""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages
from horizon import workflows

from drs_dashboard.api import cloud
from drs_dashboard.api import drs
from drs_dashboard.dashboards.project.dr_plans import forms as plan_forms

MAX_TIER = 5
SERVER = 'OS::Nova::Server'
VOLUME = 'OS::Cinder::Volume'
CONTAINER = 'OS::Swift::Container'
MAPPED = (
    ('networks', _('Network')), ('subnets', _('Subnet')),
    ('flavors', _('Flavor')), ('availability_zones', _('Availability Zone')),
    ('volume_types', _('Volume Type')),
    ('security_groups', _('Security Group')),
)


def inventories(request, context):
    """(source, target) inventories, fetched once per request."""
    cache = getattr(request, '_drs_inventories', None)
    key = (context.get('source_site'), context.get('target_site'))
    if cache and cache[0] == key:
        return cache[1]
    found = ({}, {})
    try:
        sites = {s['id']: s for s in drs.site_list(request)}
        found = tuple(cloud.inventory(request, sites[sid]['region_name'])
                      for sid in key)
        for inv in found:
            for error in inv['errors']:
                messages.error(request, error)
    except Exception as e:
        drs.show_error(request, e)
    request._drs_inventories = (key, found)
    return found


class DetailsAction(workflows.Action):
    name = forms.CharField(label=_('Name'), max_length=255)
    description = forms.CharField(label=_('Description'), required=False,
                                  widget=forms.Textarea(attrs={'rows': 3}))
    rpo_seconds = forms.IntegerField(
        label=_('RPO Target (seconds)'), min_value=1, initial=300,
        help_text=_('The most data, in seconds, the plan may lose.'))
    source_site = forms.CharField(widget=forms.HiddenInput())
    target_site = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        if context.get('plan'):
            # The sites of a plan are not edited here: what it protects
            # and its mappings are theirs.
            self.fields['source_site'].disabled = True
            self.fields['target_site'].disabled = True
            rpo = self.fields['rpo_seconds']
            rpo.required = False
            rpo.help_text = _('The most data, in seconds, the plan may '
                              'lose. Empty: no target.')

    class Meta:
        name = _('Details')
        help_text = _('A protection plan replicates servers, volumes and '
                      'containers from the source site to the target site '
                      'and recovers them there in tiers.')


class Details(workflows.Step):
    action_class = DetailsAction
    contributes = ('name', 'description', 'rpo_seconds', 'source_site',
                   'target_site')


def _not_found(item_id, where):
    if where == 'source':
        return _('%s (not found at the source site)') % item_id
    return _('%s (not found at the target site)') % item_id


def _current_resources(context):
    """(type, id) -> tier of the edited plan's resources ({} in create)."""
    plan = context.get('plan') or {}
    return {(r['type'], r['id']): r.get('tier')
            for r in plan.get('resources') or []}


def _with_missing(items, ids):
    """``items`` and, for each of ``ids`` they do not list, an item named
    by its id: a plan keeps what the site no longer lists."""
    known = {i['id'] for i in items}
    return list(items) + [{'id': i, 'name': _not_found(i, 'source'),
                           'volumes': []}
                          for i in sorted(ids) if i not in known]


class ResourcesAction(workflows.Action):
    """A tier per server (its volumes go with it), volumes and containers
    by name."""

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        source, _target = inventories(request, context)
        plan = context.get('plan')
        current = _current_resources(context)
        self.editable = plan is None or drs.resources_editable(plan)
        tiers = sorted(set(range(1, MAX_TIER + 1)) | {
            t for (kind, _id), t in current.items()
            if kind == SERVER and t})
        tier_choices = [('', _('Not protected'))] + [
            (str(i), _('Tier %d') % i) for i in tiers]
        attached = set()
        servers = _with_missing(source.get('servers', []),
                                {i for k, i in current if k == SERVER})
        for server in servers:
            attached.update(server['volumes'])
            help_text = ''
            if server['volumes']:
                help_text = _('With its %d volume(s)') % len(server['volumes'])
            # A plain select when read-only: a themable one still drops
            # down.
            field_class = (forms.ThemableChoiceField if self.editable
                           else forms.ChoiceField)
            initial = ''
            if (SERVER, server['id']) in current:
                initial = str(current[(SERVER, server['id'])] or 1)
            self.fields['server__%s' % server['id']] = field_class(
                label=_('Server %s') % server['name'],
                choices=tier_choices, required=False, help_text=help_text,
                initial=initial, disabled=not self.editable)
        # A volume the plan lists by itself stays offered, attached or not.
        volumes = [(v['id'], v['name']) for v in _with_missing(
            source.get('volumes', []), {i for k, i in current if k == VOLUME})
            if v['id'] not in attached or (VOLUME, v['id']) in current]
        self.fields['volumes'] = forms.MultipleChoiceField(
            label=_('Volumes not attached to a server'), choices=volumes,
            required=False, widget=forms.CheckboxSelectMultiple(),
            initial=[i for k, i in current if k == VOLUME],
            disabled=not self.editable)
        self.fields['containers'] = forms.MultipleChoiceField(
            label=_('Containers'), required=False,
            choices=[(c['id'], c['name']) for c in _with_missing(
                source.get('containers', []),
                {i for k, i in current if k == CONTAINER})],
            widget=forms.CheckboxSelectMultiple(),
            initial=[i for k, i in current if k == CONTAINER],
            disabled=not self.editable)
        if not self.editable:
            self.help_text = '%s %s' % (self.help_text, _(
                'The plan\'s resources change only while it protects '
                'nothing (status available or error): unprotect it first. '
                'Its name, description, RPO target and mappings can change '
                'now.'))

    def clean(self):
        data = super().clean()
        if self.editable and not any(
                v for k, v in data.items() if k.startswith('server__')) \
                and not data.get('volumes') and not data.get('containers'):
            raise forms.ValidationError(
                _('Choose at least one server, volume or container.'))
        return data

    class Meta:
        name = _('Resources')
        help_text = _('Servers recover tier by tier, tier 1 first; servers '
                      'in one tier recover in parallel. A server\'s volumes '
                      'are protected with it.')


class Resources(workflows.Step):
    action_class = ResourcesAction
    depends_on = ('source_site', 'target_site')
    contributes = ('resources',)

    def contribute(self, data, context):
        # An edited plan's volumes and containers keep their tier.
        tiers = _current_resources(context)
        resources = []
        for key, value in (data or {}).items():
            if key.startswith('server__') and value:
                resources.append({'type': SERVER,
                                  'id': key[len('server__'):],
                                  'tier': int(value)})
        for kind, ids in ((VOLUME, (data or {}).get('volumes')),
                          (CONTAINER, (data or {}).get('containers'))):
            for rid in ids or []:
                res = {'type': kind, 'id': rid}
                if tiers.get((kind, rid)):
                    res['tier'] = tiers[(kind, rid)]
                resources.append(res)
        context['resources'] = resources
        return context


class MappingsAction(workflows.Action):
    """For each source network, subnet, flavor, zone, volume type and
    security group, the target's counterpart (same name preselected)."""

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        source, target = inventories(request, context)
        plan = context.get('plan')
        for kind, label in MAPPED:
            # An edited plan starts from its own mappings, those of what
            # the sites no longer list included; a new one from the
            # same names.
            current = ((plan or {}).get('mappings') or {}).get(kind) or {}
            targets = list(target.get(kind, []))
            known = {t['id'] for t in targets}
            targets += [{'id': t, 'name': _not_found(t, 'target')}
                        for t in sorted(set(current.values()))
                        if t not in known]
            by_name = {t['name']: t['id'] for t in targets}
            choices = [('', _('(no mapping)'))] + [
                (t['id'], t['name']) for t in targets]
            for item in _with_missing(source.get(kind, []), current):
                initial = (current.get(item['id'], '') if plan
                           else by_name.get(item['name'], ''))
                field = forms.ThemableChoiceField(
                    label='%s: %s' % (label, item['name']), choices=choices,
                    required=False, initial=initial)
                self.fields['map__%s__%s' % (kind, item['id'])] = field

    class Meta:
        name = _('Mappings')
        help_text = _('What each source network, subnet, flavor, '
                      'availability zone, volume type and security group '
                      'becomes at the target site. The preflight reports '
                      'what is missing; nothing is guessed.')


class Mappings(workflows.Step):
    action_class = MappingsAction
    depends_on = ('source_site', 'target_site')
    contributes = ('mappings',)

    def contribute(self, data, context):
        mappings = {kind: {} for kind, _label in MAPPED}
        for key, value in (data or {}).items():
            if key.startswith('map__') and value:
                _prefix, kind, source = key.split('__', 2)
                mappings[kind][source] = value
        context['mappings'] = mappings
        return context


class CreatePlan(workflows.Workflow):
    slug = 'create_dr_plan'
    name = _('Create Protection Plan')
    finalize_button_name = _('Create Plan')
    success_message = _('Created plan "%s".')
    failure_message = _('Unable to create plan "%s".')
    success_url = reverse_lazy('horizon:project:dr_plans:index')
    default_steps: tuple[type[workflows.Step], ...] = (
        Details, Resources, Mappings)

    def format_status_message(self, message):
        return message % self.context.get('name', '')

    def handle(self, request, context):
        fields = {k: context.get(k) for k in (
            'name', 'rpo_seconds', 'source_site', 'target_site',
            'resources', 'mappings')}
        if context.get('description'):
            fields['description'] = context['description']
        try:
            self.plan = drs.plan_create(request, **fields)
        except Exception as e:
            drs.show_error(request, e)
            return False
        return True

    def get_success_url(self):
        plan = getattr(self, 'plan', None)
        if plan:
            return reverse_lazy('horizon:project:dr_plans:detail',
                                args=(plan['id'],))
        return self.success_url


def _preflight_allowed(plan):
    return 'preflight' in drs.actions_allowed(plan)


class PreflightAction(workflows.Action):
    run_preflight = forms.BooleanField(
        label=_('Run a preflight after saving'), required=False)

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        # Checked (edit_seed) when the plan's state allows a preflight.
        field = self.fields['run_preflight']
        if not _preflight_allowed(context.get('plan') or {}):
            field.disabled = True
            field.help_text = _('A preflight runs on a protected or '
                                'degraded plan: protect it first.')

    class Meta:
        name = _('Preflight')
        help_text = plan_forms.DESCRIPTIONS['preflight']


class Preflight(workflows.Step):
    action_class = PreflightAction
    depends_on = ('plan_id', 'plan')
    contributes = ('run_preflight',)


def _resource_keys(resources):
    return {(r['type'], r['id'], r.get('tier') or 1) for r in resources}


def _mappings(mappings):
    return {kind: dict((mappings or {}).get(kind) or {})
            for kind, _label in MAPPED}


def plan_changes(plan, context):
    """The PATCH body's fields: what the workflow changed in ``plan``."""
    changes = {}
    if context.get('name') != plan.get('name'):
        changes['name'] = context.get('name')
    description = context.get('description') or None
    if description != (plan.get('description') or None):
        changes['description'] = description
    if context.get('rpo_seconds') != plan.get('rpo_seconds'):
        changes['rpo_seconds'] = context.get('rpo_seconds')
    resources = context.get('resources') or []
    if drs.resources_editable(plan) and \
            _resource_keys(resources) != _resource_keys(
                plan.get('resources') or []):
        changes['resources'] = resources
    if _mappings(context.get('mappings')) != _mappings(plan.get('mappings')):
        changes['mappings'] = _mappings(context.get('mappings'))
    return changes


def edit_seed(plan):
    """The Edit workflow's context: the plan, and every step's
    contribution as it stands (so the workflow opens on its first step)."""
    return {'plan': plan, 'plan_id': plan['id'], 'name': plan['name'],
            'description': plan.get('description') or '',
            'rpo_seconds': plan.get('rpo_seconds'),
            'source_site': plan['source_site'],
            'target_site': plan['target_site'],
            'resources': plan.get('resources') or [],
            'mappings': _mappings(plan.get('mappings')),
            'run_preflight': _preflight_allowed(plan)}


class UpdatePlan(CreatePlan):
    slug = 'update_dr_plan'
    name = _('Edit Protection Plan')
    finalize_button_name = _('Save')
    success_message = _('Updated plan "%s".')
    failure_message = _('Unable to update plan "%s".')
    default_steps = CreatePlan.default_steps + (Preflight,)

    changes: dict = {}
    operation = None

    def format_status_message(self, message):
        if message == self.success_message and not self.changes:
            message = _('Plan "%s" is unchanged.')
        return message % self.context.get('name', '')

    def handle(self, request, context):
        self.plan = context['plan']
        self.changes = plan_changes(self.plan, context)
        if self.changes:
            try:
                self.plan = drs.plan_update(request, self.plan['id'],
                                            **self.changes)
            except Exception as e:
                # The API's detail, and the form again as the user
                # filled it in.
                drs.show_error(request, e)
                raise forms.ValidationError(drs.error_detail(e))
        if context.get('run_preflight') and _preflight_allowed(self.plan):
            try:
                self.operation = drs.plan_action(request, self.plan['id'],
                                                 'preflight')
            except Exception as e:
                drs.show_error(request, e)
        return True

    def get_success_url(self):
        if self.operation:
            return reverse_lazy('horizon:project:dr_plans:operation',
                                args=(self.operation['id'],))
        return reverse_lazy('horizon:project:dr_plans:detail',
                            args=(self.context['plan_id'],))
