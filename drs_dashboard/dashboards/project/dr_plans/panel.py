from django.utils.translation import gettext_lazy as _
import horizon


class Plans(horizon.Panel):
    name = _('Protection Plans')
    slug = 'dr_plans'
    permissions = ('openstack.services.dr',)
    policy_rules = (('dr', 'dr:plan:get_all'),)
