from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import tables

from drs_dashboard.api import drs
from drs_dashboard.api.rows import Row
from drs_dashboard.dashboards.admin.dr_sites import forms as site_forms
from drs_dashboard.dashboards.admin.dr_sites import tables as site_tables


class IndexView(tables.DataTableView):
    table_class = site_tables.SitesTable
    page_title = _('Disaster Recovery Sites')

    def get_data(self):
        try:
            return [Row(s) for s in drs.site_list(self.request)]
        except Exception as e:
            drs.show_error(self.request, e)
            return []


class CreateView(forms.ModalFormView):
    form_class = site_forms.CreateSiteForm
    template_name = 'drs_dashboard/sites/create.html'
    modal_id = 'create_site_modal'
    modal_header = _('Register Site')
    submit_label = _('Register Site')
    submit_url = reverse_lazy('horizon:admin:dr_sites:create')
    success_url = reverse_lazy('horizon:admin:dr_sites:index')
    page_title = _('Register Site')
