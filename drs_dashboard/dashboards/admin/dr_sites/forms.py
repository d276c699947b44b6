from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from drs_dashboard.api import drs


class CreateSiteForm(forms.SelfHandlingForm):
    name = forms.CharField(label=_('Name'), max_length=255)
    region_name = forms.CharField(label=_('Region'), max_length=255)
    auth_url = forms.URLField(label=_('Keystone Auth URL'))
    interface = forms.ThemableChoiceField(
        label=_('Interface'), choices=(('public', _('Public')),
                                       ('internal', _('Internal')),
                                       ('admin', _('Admin'))))
    description = forms.CharField(label=_('Description'), required=False)

    def handle(self, request, data):
        fields = {k: v for k, v in data.items() if v not in (None, '')}
        try:
            site = drs.site_create(request, **fields)
        except Exception as e:
            drs.show_error(request, e)
            return False
        messages.success(request, _('Registered site "%s".') % site['name'])
        return site
