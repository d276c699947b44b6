"""The modal forms of the Protection Plans panel."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from drs_dashboard.api import drs

DESCRIPTIONS = {
    'protect': _('Start replicating the plan\'s volumes and containers to '
                 'the target site and capture the recovery recipes.'),
    'unprotect': _('Stop replicating the plan\'s resources. The plan stays, '
                   'but it can no longer be failed over.'),
    'sync': _('Refresh the recovery recipes and measure replication lag '
              'now.'),
    'preflight': _('A dry run at the target site: touches nothing, reports '
                   'what a failover would need (quotas, flavors, networks, '
                   'mappings).'),
    'test_failover': _('Bring copies of the workload up at the target site '
                       'on an isolated network. Production is not touched.'),
    'cleanup_test': _('Remove everything the test failover created at the '
                      'target site.'),
    'planned_migration': _('Stop the workload at the source, replicate the '
                           'last changes and bring it up at the target '
                           'site.'),
    'failover': _('Bring the workload up at the target site from the last '
                  'replicated data, without contacting the source site. '
                  'Changes not yet replicated are lost.'),
    'reprotect': _('Reverse replication: protect the failed-over workload '
                   'back into the original source site.'),
    'failback': _('Move the workload back to the original source site.'),
}


class PlanActionForm(forms.SelfHandlingForm):
    """Confirms one action; the dangerous ones ask for the plan's name."""

    plan_id = forms.CharField(widget=forms.HiddenInput())
    action = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, request, *args, **kwargs):
        self.plan = kwargs.pop('plan')
        super().__init__(request, *args, **kwargs)
        action = self.initial.get('action') or self.data.get('action')
        if action in drs.DANGEROUS:
            self.fields['confirm_name'] = forms.CharField(
                label=_('Type the plan\'s name (%s) to confirm')
                % self.plan['name'], max_length=255)

    def clean(self):
        data = super().clean()
        if data.get('action') not in drs.ACTIONS_ALL:
            raise forms.ValidationError(_('Unknown action.'))
        if data.get('action') in drs.DANGEROUS and \
                data.get('confirm_name') != self.plan['name']:
            raise forms.ValidationError(
                _('The name typed is not the plan\'s name.'))
        return data

    def handle(self, request, data):
        try:
            op = drs.plan_action(request, data['plan_id'], data['action'])
        except Exception as e:
            drs.show_error(request, e)
            return False
        messages.success(request, _('Started %(action)s of plan "%(plan)s".')
                         % {'action': data['action'],
                            'plan': self.plan['name']})
        self.operation = op
        return op


class ChooseSitesForm(forms.SelfHandlingForm):
    """The first step of Create Plan: where from and where to."""

    source_site = forms.ThemableChoiceField(label=_('Source Site'))
    target_site = forms.ThemableChoiceField(label=_('Target Site'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        try:
            sites = drs.site_list(request)
        except Exception as e:
            sites = []
            drs.show_error(request, e)
        choices = [(s['id'], '%s (%s)' % (s['name'], s['region_name']))
                   for s in sites]
        self.fields['source_site'].choices = choices
        self.fields['target_site'].choices = choices
        if len(choices) > 1:
            self.fields['target_site'].initial = choices[1][0]

    def clean(self):
        data = super().clean()
        if data.get('source_site') and \
                data.get('source_site') == data.get('target_site'):
            raise forms.ValidationError(
                _('The target site must differ from the source site.'))
        return data

    def handle(self, request, data):
        self.next_url = '%s?source=%s&target=%s' % (
            reverse('horizon:project:dr_plans:create'),
            data['source_site'], data['target_site'])
        return True


