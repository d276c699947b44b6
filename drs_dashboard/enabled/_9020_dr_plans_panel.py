# Project -> Disaster Recovery -> Protection Plans.
PANEL = 'dr_plans'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'disaster_recovery'
ADD_PANEL = 'drs_dashboard.dashboards.project.dr_plans.panel.Plans'
ADD_INSTALLED_APPS = ['drs_dashboard']
AUTO_DISCOVER_STATIC_FILES = True
ADD_SCSS_FILES = ['drs_dashboard/css/drs.scss']
