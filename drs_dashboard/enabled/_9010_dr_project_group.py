# Project -> Disaster Recovery: the panel group.
from django.utils.translation import gettext_lazy as _

PANEL_GROUP = 'disaster_recovery'
PANEL_GROUP_NAME = _('Disaster Recovery')
PANEL_GROUP_DASHBOARD = 'project'
