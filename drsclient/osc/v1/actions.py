"""``openstack dr plan <action> PLAN [--wait]``: start an operation."""

from __future__ import annotations

import argparse
from typing import Any

from osc_lib.command import command
from osc_lib import exceptions as osc_exc

from drsclient.osc.v1 import common
from drsclient.osc.v1 import operations
from drsclient.osc.v1 import progress
from drsclient.v1 import operations as op_manager

DEFAULT_TIMEOUT = 3600


def add_wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--wait', action='store_true',
        help='Wait for the operation to end, showing its progress; exit '
             'with status 1 unless it succeeds.')
    parser.add_argument(
        '--timeout', type=int, default=DEFAULT_TIMEOUT, metavar='<seconds>',
        help='With --wait, give up waiting after this many seconds '
             '(default %d); the operation goes on.' % DEFAULT_TIMEOUT)
    parser.add_argument(
        '--poll-interval', type=float, default=2.0, metavar='<seconds>',
        help=argparse.SUPPRESS)


def wait(app: Any, operation: dict, args: argparse.Namespace
         ) -> tuple[dict, dict | None]:
    """Poll ``operation`` until it ends, showing progress on stderr.

    Returns the operation and its report (None when there is none). A
    failure is said once, by the CommandError (exit 1).
    """
    dr = common.dr(app)
    printer = progress.ProgressPrinter(app.stderr)
    try:
        op = dr.operations.wait(operation['id'], timeout=args.timeout,
                                interval=args.poll_interval,
                                callback=printer, events=True)
    except op_manager.WaitTimeout as e:
        printer.clear()
        raise osc_exc.CommandError(
            'timed out after %ss waiting for operation %s, which is still '
            '%s; follow it with "openstack dr operation show %s"'
            % (args.timeout, operation['id'], e.operation['status'],
               operation['id'][:8]))
    report = progress.report_or_none(dr, op['id'])
    if op['status'] != 'succeeded':
        raise osc_exc.CommandError(printer.finish(op, report, write=False))
    printer.finish(op, report)
    return op, report


class PlanAction(command.ShowOne):
    """Base of the plan action commands."""

    action = ''

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>',
                            help='Plan (name or id).')
        self.add_parameters(parser)
        add_wait_options(parser)
        return parser

    def add_parameters(self, parser: argparse.ArgumentParser) -> None:
        """Options that become the action's parameters."""

    def parameters(self, parsed_args: argparse.Namespace) -> dict:
        return {}

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        plan = common.find(dr.plans, parsed_args.plan)
        op = dr.plans.action(plan['id'], self.action,
                             self.parameters(parsed_args))
        if not parsed_args.wait:
            return operations.show(op)
        op, report = wait(self.app, op, parsed_args)
        return self.result(op, report)

    def result(self, op: dict, report: dict | None
               ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """What ``--wait`` shows: the operation (and what the action
        found, for a preflight)."""
        return operations.show(op)


class ProtectPlan(PlanAction):
    """Start protecting a plan's resources (replication to the target)."""

    action = 'protect'


class UnprotectPlan(PlanAction):
    """Stop protecting a plan's resources."""

    action = 'unprotect'


class SyncPlan(PlanAction):
    """Refresh a plan's replication state and recipes."""

    action = 'sync'


class PreflightPlan(PlanAction):
    """Check that a plan can fail over now (changes nothing)."""

    action = 'preflight'

    def result(self, op: dict, report: dict | None
               ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        columns, data = operations.show(op)
        findings = (report or {}).get('findings') or []
        return (columns + ('findings',),
                data + (operations.FindingsColumn(findings),))


class TestFailoverPlan(PlanAction):
    """Recover a copy of a plan's resources at the target, for a test."""

    action = 'test_failover'


class TestCleanupPlan(PlanAction):
    """Remove what a test failover created."""

    action = 'cleanup_test'


class MigratePlan(PlanAction):
    """Planned migration: stop at the source, sync, recover at the target."""

    action = 'planned_migration'

    def add_parameters(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            '--sync-timeout', type=int, metavar='<seconds>',
            help='Seconds to wait for the replicas to catch up after the '
                 'source stops.')

    def parameters(self, parsed_args: argparse.Namespace) -> dict:
        if parsed_args.sync_timeout is None:
            return {}
        return {'sync_timeout': parsed_args.sync_timeout}


class FailoverPlan(PlanAction):
    """Fail a plan over to its target site (disaster)."""

    action = 'failover'

    def add_parameters(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            '--cutoff', choices=('latest',),
            help='Which replica point to recover (default: latest).')

    def parameters(self, parsed_args: argparse.Namespace) -> dict:
        return {'cutoff': parsed_args.cutoff} if parsed_args.cutoff else {}


class ReprotectPlan(PlanAction):
    """Protect a failed-over plan in the reverse direction."""

    action = 'reprotect'


class FailbackPlan(PlanAction):
    """Fail a reprotected plan back to its original site."""

    action = 'failback'


