"""The tabs of a plan's detail page."""

from django.utils.translation import gettext_lazy as _
from horizon import tabs

from drs_dashboard.api import drs
from drs_dashboard.api.rows import Row
from drs_dashboard.dashboards.project.dr_plans import tables

MAPPING_KINDS = (
    ('networks', _('Network')), ('subnets', _('Subnet')),
    ('flavors', _('Flavor')), ('availability_zones', _('Availability Zone')),
    ('volume_types', _('Volume Type')),
    ('security_groups', _('Security Group')),
)


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'drs_dashboard/plans/_overview.html'

    def get_context_data(self, request):
        return {'plan': self.tab_group.kwargs['plan']}


class ResourcesTab(tabs.TableTab):
    name = _('Resources')
    slug = 'resources'
    table_classes = (tables.ResourcesTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_resources_data(self):
        plan = self.tab_group.kwargs['plan']
        names = self.tab_group.kwargs.get('names') or {}
        rows = []
        for res in plan.raw.get('resources') or []:
            rows.append(Row(res, display_name=names.get(res['id'], res['id'])))
        return rows


class RecipesTab(tabs.TableTab):
    name = _('Recovery Recipes')
    slug = 'recipes'
    table_classes = (tables.RecipesTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_recipes_data(self):
        plan = self.tab_group.kwargs['plan']
        try:
            return [drs.recipe_row(r)
                    for r in drs.plan_recipes(self.request, plan.id)]
        except Exception as e:
            drs.show_error(self.request, e)
            return []


class MappingsTab(tabs.TableTab):
    name = _('Mappings')
    slug = 'mappings'
    table_classes = (tables.MappingsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_mappings_data(self):
        plan = self.tab_group.kwargs['plan']
        names = self.tab_group.kwargs.get('names') or {}
        rows = []
        mappings = plan.raw.get('mappings') or {}
        for kind, label in MAPPING_KINDS:
            for source, target in sorted((mappings.get(kind) or {}).items()):
                rows.append(Row({'kind': kind}, kind_display=label,
                                source=names.get(source, source),
                                target=names.get(target, target)))
        return rows


class OperationsTab(tabs.TableTab):
    name = _('Operations')
    slug = 'operations'
    table_classes = (tables.OperationsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_operations_data(self):
        plan = self.tab_group.kwargs['plan']
        try:
            return [Row(o) for o in drs.operation_list(
                self.request, plan_id=plan.id, sort_key='created_at',
                sort_dir='desc')]
        except Exception as e:
            drs.show_error(self.request, e)
            return []


class PlanDetailTabs(tabs.DetailTabsGroup):
    slug = 'plan_details'
    tabs = (OverviewTab, ResourcesTab, RecipesTab, MappingsTab,
            OperationsTab)
    sticky = True
