from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from drs_dashboard.api import drs


class CreateSite(tables.LinkAction):
    name = 'create'
    verbose_name = _('Register Site')
    url = 'horizon:admin:dr_sites:create'
    classes = ('ajax-modal',)
    icon = 'plus'
    policy_rules = (('dr', 'dr:site:create'),)


class DeleteSite(tables.DeleteAction):
    policy_rules = (('dr', 'dr:site:delete'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Site', 'Delete Sites', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted Site', 'Deleted Sites', count)

    def delete(self, request, obj_id):
        drs.site_delete(request, obj_id)


class SitesTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Name'))
    region = tables.Column('region_name', verbose_name=_('Region'))
    auth_url = tables.Column('auth_url', verbose_name=_('Auth URL'))
    interface = tables.Column('interface', verbose_name=_('Interface'))
    verify = tables.Column('verify_tls', verbose_name=_('Verify TLS'))
    description = tables.Column('description', verbose_name=_('Description'))

    class Meta:
        name = 'sites'
        verbose_name = _('Sites')
        table_actions = (CreateSite, DeleteSite)
        row_actions = (DeleteSite,)
