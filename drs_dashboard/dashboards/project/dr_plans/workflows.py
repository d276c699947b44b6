"""Create Plan: resources picked by name at the source site, tiers,
mappings with drop-downs filled from both sites, the RPO target."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages
from horizon import workflows

from drs_dashboard.api import cloud
from drs_dashboard.api import drs

MAX_TIER = 5
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

    class Meta:
        name = _('Details')
        help_text = _('A protection plan replicates servers, volumes and '
                      'containers from the source site to the target site '
                      'and recovers them there in tiers.')


class Details(workflows.Step):
    action_class = DetailsAction
    contributes = ('name', 'description', 'rpo_seconds', 'source_site',
                   'target_site')


class ResourcesAction(workflows.Action):
    """A tier per server (its volumes go with it), volumes and containers
    by name."""

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        source, _target = inventories(request, context)
        tier_choices = [('', _('Not protected'))] + [
            (str(i), _('Tier %d') % i) for i in range(1, MAX_TIER + 1)]
        attached = set()
        for server in source.get('servers', []):
            attached.update(server['volumes'])
            help_text = ''
            if server['volumes']:
                help_text = _('With its %d volume(s)') % len(server['volumes'])
            self.fields['server__%s' % server['id']] = \
                forms.ThemableChoiceField(
                    label=_('Server %s') % server['name'],
                    choices=tier_choices, required=False,
                    help_text=help_text)
        volumes = [(v['id'], v['name']) for v in source.get('volumes', [])
                   if v['id'] not in attached]
        self.fields['volumes'] = forms.MultipleChoiceField(
            label=_('Volumes not attached to a server'), choices=volumes,
            required=False, widget=forms.CheckboxSelectMultiple())
        self.fields['containers'] = forms.MultipleChoiceField(
            label=_('Containers'), required=False,
            choices=[(c['id'], c['name'])
                     for c in source.get('containers', [])],
            widget=forms.CheckboxSelectMultiple())

    def clean(self):
        data = super().clean()
        if not any(v for k, v in data.items() if k.startswith('server__')) \
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
        resources = []
        for key, value in (data or {}).items():
            if key.startswith('server__') and value:
                resources.append({'type': 'OS::Nova::Server',
                                  'id': key[len('server__'):],
                                  'tier': int(value)})
        for vid in (data or {}).get('volumes') or []:
            resources.append({'type': 'OS::Cinder::Volume', 'id': vid})
        for name in (data or {}).get('containers') or []:
            resources.append({'type': 'OS::Swift::Container', 'id': name})
        context['resources'] = resources
        return context


class MappingsAction(workflows.Action):
    """For each source network, subnet, flavor, zone, volume type and
    security group, the target's counterpart (same name preselected)."""

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        source, target = inventories(request, context)
        for kind, label in MAPPED:
            targets = target.get(kind, [])
            by_name = {t['name']: t['id'] for t in targets}
            choices = [('', _('(no mapping)'))] + [
                (t['id'], t['name']) for t in targets]
            for item in source.get(kind, []):
                field = forms.ThemableChoiceField(
                    label='%s: %s' % (label, item['name']), choices=choices,
                    required=False, initial=by_name.get(item['name'], ''))
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
    default_steps = (Details, Resources, Mappings)

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
