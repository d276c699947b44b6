# Admin -> Disaster Recovery -> Sites.
PANEL = 'dr_sites'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'disaster_recovery'
ADD_PANEL = 'drs_dashboard.dashboards.admin.dr_sites.panel.Sites'
