"""``openstack dr operation ...``: runs of actions on plans."""

from __future__ import annotations

import argparse
from typing import Any

from cliff import columns as cliff_columns
from osc_lib.command import command
from osc_lib import exceptions as osc_exc

from drsclient.osc.v1 import common
from drsclient.osc.v1 import progress
from drsclient.v1 import operations as op_manager

COLUMNS = ('id', 'plan_id', 'action', 'status', 'progress', 'parameters',
           'error', 'project_id', 'created_at', 'started_at', 'finished_at')
LIST_COLUMNS = ('id', 'plan_id', 'action', 'status', 'progress',
                'created_at', 'finished_at')
EVENT_COLUMNS = ('at', 'step', 'resource', 'state', 'message')


class ProgressColumn(common.DICT):
    """``done/total current``, as a human reads it."""

    def human_readable(self) -> str:
        value = self._value or {}
        text = ''
        if value.get('total'):
            text = '%s/%s' % (value.get('done') or 0, value['total'])
        if value.get('current'):
            text = ('%s %s' % (text, value['current'])).strip()
        return text


class ResourceColumn(common.DICT):

    def human_readable(self) -> str:
        value = self._value or {}
        if not value:
            return ''
        return '%s %s' % (value.get('type') or '', value.get('id') or '')


class ErrorColumn(common.DICT):
    """The error's detail, with its step and resource."""

    def human_readable(self) -> str:
        return progress.error_text(self._value) if self._value else ''


class MessageColumn(cliff_columns.FormattableColumn[Any]):
    """A message of the engine, without Python class paths."""

    def human_readable(self) -> str:
        if self._value is None:
            return ''
        return progress.without_class_paths(str(self._value))

    def machine_readable(self) -> Any:
        return self.human_readable() if self._value is not None else None


FORMATTERS: dict[str, type] = {'progress': ProgressColumn,
                               'parameters': common.DICT,
                               'error': ErrorColumn}


def show(op: dict) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return common.columns_and_data(op, COLUMNS, FORMATTERS)


class ListOperation(command.Lister):
    """List operations."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('--plan', metavar='<plan>',
                            help='Only the operations of this plan (name '
                                 'or id).')
        parser.add_argument('--action', metavar='<action>',
                            help='Only the operations of this action.')
        parser.add_argument('--status', metavar='<status>',
                            help='Only the operations in this status.')
        parser.add_argument('--all-projects', action='store_true',
                            help='Operations of every project (admin).')
        common.add_limit_marker(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        plan_id = None
        if parsed_args.plan:
            plan_id = common.find(dr.plans, parsed_args.plan)['id']
        items = dr.operations.list(
            limit=parsed_args.limit, plan_id=plan_id,
            action=parsed_args.action, status=parsed_args.status,
            all_projects='true' if parsed_args.all_projects else None,
            **common.list_params(parsed_args))
        return (common.headers(LIST_COLUMNS),
                (common.row(i, LIST_COLUMNS, FORMATTERS) for i in items))


class OperationArgument:
    """The ``<operation>`` argument of the commands on one operation."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)  # type: ignore[misc]
        parser.add_argument('operation', metavar='<operation>',
                            help='Operation id.')
        return parser


class ShowOperation(OperationArgument, command.ShowOne):
    """Show an operation and its progress."""

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        return show(common.find(common.dr(self.app).operations,
                                parsed_args.operation))


class ListOperationEvent(OperationArgument, command.Lister):
    """List the events of an operation (its steps, per resource)."""

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        op = common.find(dr.operations, parsed_args.operation)
        events = dr.operations.events(op['id'])
        return (common.headers(EVENT_COLUMNS),
                (common.row(e, EVENT_COLUMNS, {'resource': ResourceColumn,
                                                'message': MessageColumn})
                 for e in events))


class StepsColumn(common.LIST_DICT):
    """One line per step: step, resource, outcome, duration."""

    def human_readable(self) -> str:
        lines = []
        for step in self._value or []:
            res = step.get('resource') or {}
            parts = [str(step.get('step'))]
            if res:
                parts.append('%s %s' % (res.get('type'), res.get('id')))
            parts.append(str(step.get('outcome')))
            if step.get('duration_seconds') is not None:
                parts.append('%ss' % step['duration_seconds'])
            if step.get('message'):
                parts.append('- %s' % progress.without_class_paths(
                    str(step['message'])))
            lines.append(' '.join(parts))
        return '\n'.join(lines)


class FindingsColumn(common.LIST_DICT):
    """One line per preflight finding: severity, detail, resource."""

    def human_readable(self) -> str:
        lines = []
        for finding in self._value or []:
            res = finding.get('resource') or {}
            line = '%s: %s' % (finding.get('severity'),
                               progress.without_class_paths(
                                   str(finding.get('detail'))))
            if res:
                line += ' (%s %s)' % (res.get('type'), res.get('id'))
            lines.append(line)
        return '\n'.join(lines)


REPORT_COLUMNS = ('operation_id', 'plan_id', 'action', 'status',
                  'requested_at', 'started_at', 'finished_at',
                  'duration_seconds', 'rto_seconds', 'rpo_seconds', 'error',
                  'steps')
REPORT_FORMATTERS: dict[str, type] = {'error': ErrorColumn,
                                      'steps': StepsColumn,
                                      'findings': FindingsColumn}


class ShowOperationReport(OperationArgument, command.ShowOne):
    """Show the report of an operation: timings, RTO, RPO, findings."""

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        op = common.find(dr.operations, parsed_args.operation)
        try:
            report = dr.operations.report(op['id'])
        except op_manager.ReportNotAvailable as e:
            raise osc_exc.CommandError(str(e))
        # The known fields first, then any newer ones the API adds.
        columns = tuple(c for c in REPORT_COLUMNS if c in report) + tuple(
            sorted(c for c in report if c not in REPORT_COLUMNS))
        formatters: dict[str, type] = dict(REPORT_FORMATTERS)
        for key in columns:
            if key not in formatters and isinstance(report[key], dict):
                formatters[key] = common.DICT
            elif key not in formatters and isinstance(report[key], list):
                formatters[key] = common.LIST
        return common.columns_and_data(report, columns, formatters)


class CancelOperation(OperationArgument, command.ShowOne):
    """Cancel a pending or running operation."""

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        op = common.find(dr.operations, parsed_args.operation)
        return show(dr.operations.cancel(op['id']))
