from django.utils.translation import gettext_lazy as _
import horizon


class Sites(horizon.Panel):
    name = _('Sites')
    slug = 'dr_sites'
    permissions = ('openstack.services.dr',)
    policy_rules = (('dr', 'dr:site:create'),)
