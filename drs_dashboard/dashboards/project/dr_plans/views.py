"""Views of the Protection Plans panel."""

from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import tabs
from horizon.utils import memoized
from horizon import workflows

from drs_dashboard.api import drs
from drs_dashboard.api.rows import Row
from drs_dashboard.dashboards.project.dr_plans import forms as plan_forms
from drs_dashboard.dashboards.project.dr_plans import tables as plan_tables
from drs_dashboard.dashboards.project.dr_plans import tabs as plan_tabs
from drs_dashboard.dashboards.project.dr_plans import workflows as plan_wf

INDEX_URL = 'horizon:project:dr_plans:index'


class IndexView(tables.DataTableView):
    table_class = plan_tables.PlansTable
    page_title = _('Protection Plans')

    def get_data(self):
        try:
            return drs.plan_rows(self.request)
        except Exception as e:
            drs.show_error(self.request, e)
            return []


def _names(request, plan):
    """Resource and mapping ids -> names, best effort, from the plan's
    recipes and both sites (a failure leaves the ids)."""
    names = dict((s['id'], s['name']) for s in drs.site_list(request))
    try:
        for recipe in drs.plan_recipes(request, plan['id']):
            server = (recipe.get('recipe') or {}).get('server') or {}
            if server.get('name'):
                names[recipe['resource_id']] = server['name']
    except Exception:  # noqa: BLE001,S110 - names are a nicety
        pass
    return names


class DetailView(tabs.TabView):
    tab_group_class = plan_tabs.PlanDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ plan.name }}'

    @memoized.memoized_method
    def get_plan(self):
        try:
            plan = drs.plan_get(self.request, self.kwargs['plan_id'])
            return drs.plan_row(self.request, plan)
        except Exception as e:
            drs.show_error(self.request, e)
            raise exceptions.Http302(reverse(INDEX_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.get_plan()
        table = plan_tables.PlansTable(self.request)
        context['plan'] = plan
        context['url'] = reverse(INDEX_URL)
        context['actions'] = table.render_row_actions(plan)
        return context

    def get_tabs(self, request, *args, **kwargs):
        plan = self.get_plan()
        try:
            names = _names(request, plan.raw)
        except Exception:  # noqa: BLE001
            names = {}
        return self.tab_group_class(request, plan=plan, names=names, **kwargs)


class ChooseSitesView(forms.ModalFormView):
    form_class = plan_forms.ChooseSitesForm
    template_name = 'drs_dashboard/plans/choose_sites.html'
    modal_id = 'choose_sites_modal'
    modal_header = _('Create Plan: Sites')
    submit_label = _('Next')
    submit_url = reverse_lazy('horizon:project:dr_plans:choose_sites')
    page_title = _('Create Plan')

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid() and form.handle(request, form.cleaned_data):
            self._next = form.next_url
            from django.http import HttpResponseRedirect
            response = HttpResponseRedirect(self._next)
            response['X-Horizon-Location'] = self._next
            return response
        return self.form_invalid(form)


class CreateView(workflows.WorkflowView):
    workflow_class = plan_wf.CreatePlan
    page_title = _('Create Protection Plan')

    def get_initial(self):
        return {'source_site': self.request.GET.get('source', ''),
                'target_site': self.request.GET.get('target', '')}

    def get_context_data(self, **kwargs):
        # WorkflowView has no page title of its own (the breadcrumb's).
        context = super().get_context_data(**kwargs)
        context['page_title'] = self.page_title
        return context


def _plan_or_index(request, plan_id):
    """The plan, or back to the plans with the API's detail."""
    try:
        return drs.plan_get(request, plan_id)
    except Exception as e:
        drs.show_error(request, e)
        raise exceptions.Http302(reverse(INDEX_URL))


class UpdateView(CreateView):
    """Edit Plan: the create workflow's steps, from the plan's values."""

    workflow_class = plan_wf.UpdatePlan

    @memoized.memoized_method
    def get_plan(self):
        return _plan_or_index(self.request, self.kwargs['plan_id'])

    @property
    def page_title(self):
        return _('Edit Plan: %s') % self.get_plan()['name']

    def get_initial(self):
        return plan_wf.edit_seed(self.get_plan())


class ActionView(forms.ModalFormView):
    form_class = plan_forms.PlanActionForm
    template_name = 'drs_dashboard/plans/action.html'
    modal_id = 'plan_action_modal'

    @memoized.memoized_method
    def get_plan(self):
        return _plan_or_index(self.request, self.kwargs['plan_id'])

    @property
    def action(self):
        action = self.kwargs['action']
        if action not in drs.ACTIONS_ALL:
            raise exceptions.Http302(reverse(INDEX_URL))
        return action

    @property
    def modal_header(self):
        return '%s: %s' % (plan_tables.ACTION_NAMES[self.action],
                           self.get_plan()['name'])

    @property
    def submit_label(self):
        return plan_tables.ACTION_NAMES[self.action]

    @property
    def page_title(self):
        return self.modal_header

    @property
    def submit_url(self):
        return reverse('horizon:project:dr_plans:action',
                       args=(self.kwargs['plan_id'], self.action))

    @property
    def cancel_url(self):
        return reverse('horizon:project:dr_plans:detail',
                       args=(self.kwargs['plan_id'],))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['plan'] = self.get_plan()
        return kwargs

    def get_initial(self):
        return {'plan_id': self.kwargs['plan_id'], 'action': self.action}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['description'] = plan_forms.DESCRIPTIONS.get(self.action)
        context['dangerous'] = self.action in drs.DANGEROUS
        context['plan'] = self.get_plan()
        return context

    def form_valid(self, form):
        op = form.handle(self.request, form.cleaned_data)
        if not op:
            return self.form_invalid(form)
        from django.http import HttpResponseRedirect
        url = reverse('horizon:project:dr_plans:operation', args=(op['id'],))
        response = HttpResponseRedirect(url)
        response['X-Horizon-Location'] = url
        return response


def _operation_context(request, op_id):
    op = drs.operation_get(request, op_id)
    plan = None
    try:
        plan = drs.plan_get(request, op['plan_id'])
    except Exception:  # noqa: BLE001,S110 - a deleted plan's operations
        pass
    events = drs.operation_events(request, op_id)
    report = None
    if op['status'] in drs.TERMINAL:
        report = drs.operation_report(request, op_id)
    return op, plan, events, report


class OperationView(generic.TemplateView):
    template_name = 'drs_dashboard/plans/operation.html'

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        op_id = self.kwargs['operation_id']
        try:
            op, plan, events, report = _operation_context(self.request, op_id)
        except Exception as e:
            drs.show_error(self.request, e)
            raise exceptions.Http302(reverse(INDEX_URL))
        context.update(
            operation=Row(op), plan=plan, events=events, report=report,
            findings=(report or {}).get('findings'),
            chart=drs.timeline(report, plan),
            action_name=plan_tables.ACTION_NAMES.get(op['action'],
                                                    op['action']),
            terminal=op['status'] in drs.TERMINAL,
            percent=_percent(op),
            progress_url=reverse('horizon:project:dr_plans:progress',
                                 args=(op_id,)),
            cancel_url=reverse('horizon:project:dr_plans:cancel',
                               args=(op_id,)),
            page_title=_('Operation: %(action)s') % {
                'action': plan_tables.ACTION_NAMES.get(op['action'],
                                                       op['action'])})
        return context


def _percent(op):
    progress = op.get('progress') or {}
    total = progress.get('total') or 0
    if op.get('status') == 'succeeded':
        return 100
    if not total:
        return 0
    return int(100 * (progress.get('done') or 0) / total)


def _report_html(request, op):
    try:
        report = drs.operation_report(request, op['id'])
        plan = drs.plan_get(request, op['plan_id'])
    except Exception as e:  # noqa: BLE001 - shown in the page
        return '<p class="text-danger">%s</p>' % escape(drs.error_detail(e))
    return render_to_string('drs_dashboard/plans/_report.html', {
        'report': report, 'terminal': True,
        'findings': (report or {}).get('findings'),
        'chart': drs.timeline(report, plan)}, request=request)


class OperationProgressView(generic.View):
    """JSON for the operation page's poller: status, progress, newest
    events, and (once ended) whether the page should reload its report."""

    def get(self, request, operation_id):
        try:
            op = drs.operation_get(request, operation_id)
            events = drs.operation_events(request, operation_id)
        except Exception as e:
            return JsonResponse({'error': drs.error_detail(e)},
                                status=getattr(e, 'status', 502))
        progress = op.get('progress') or {}
        report_html = None
        if op['status'] in drs.TERMINAL:
            report_html = _report_html(request, op)
        return JsonResponse({
            'report_html': report_html,
            'finished_at': op.get('finished_at'),
            'status': op['status'],
            'terminal': op['status'] in drs.TERMINAL,
            'percent': _percent(op),
            'done': progress.get('done') or 0,
            'total': progress.get('total') or 0,
            'current': progress.get('current') or '',
            'error': (op.get('error') or {}).get('detail'),
            'events': events[-50:],
        })


class CancelOperationView(generic.View):
    def post(self, request, operation_id):
        from django.http import HttpResponseRedirect
        from horizon import messages
        try:
            drs.operation_cancel(request, operation_id)
            messages.success(request, _('Cancellation requested.'))
        except Exception as e:
            drs.show_error(request, e)
        return HttpResponseRedirect(reverse(
            'horizon:project:dr_plans:operation', args=(operation_id,)))
