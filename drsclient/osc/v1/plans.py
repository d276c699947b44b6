"""``openstack dr plan ...``: protection plans, their resources and
mappings."""

from __future__ import annotations

import argparse
from typing import Any

from cliff import columns as cliff_columns
from osc_lib.command import command
from osc_lib import exceptions as osc_exc

from drsclient import exceptions
from drsclient.osc.v1 import common

COLUMNS = ('id', 'name', 'description', 'status', 'source_site',
           'target_site', 'reversed', 'test_active', 'rpo_seconds',
           'rpo_seconds_achieved', 'last_sync_at', 'current_operation',
           'resources', 'mappings', 'options', 'project_id', 'created_at',
           'updated_at')
LIST_COLUMNS = ('id', 'name', 'status', 'source_site', 'target_site',
                'current_operation')
LONG_COLUMNS = LIST_COLUMNS + ('rpo_seconds', 'rpo_seconds_achieved',
                               'last_sync_at', 'test_active', 'reversed',
                               'project_id')


class ResourcesColumn(cliff_columns.FormattableColumn[list]):
    """One line per resource: type, id, tier and replication state."""

    def human_readable(self) -> str:
        lines = []
        for res in self._value or []:
            state = (res.get('replication') or {}).get('state')
            extra = ['tier %s' % res.get('tier')]
            if state:
                extra.append(state)
            lines.append('%s %s (%s)' % (res.get('type'), res.get('id'),
                                         ', '.join(extra)))
        return '\n'.join(lines)

    def machine_readable(self) -> list:
        return list(self._value or [])


class MappingsColumn(cliff_columns.FormattableColumn[dict]):
    """One line per mapping kind that maps something."""

    def human_readable(self) -> str:
        lines = []
        for kind, pairs in sorted((self._value or {}).items()):
            if pairs:
                lines.append('%s: %s' % (kind, ', '.join(
                    '%s=%s' % kv for kv in sorted(pairs.items()))))
        return '\n'.join(lines)

    def machine_readable(self) -> dict:
        return dict(self._value or {})


class SiteColumn(cliff_columns.FormattableColumn[Any]):
    """A site: its name in tables, its id for -f json|yaml|value."""

    names: dict[str, str] = {}

    def human_readable(self) -> str:
        if self._value is None:
            return ''
        return self.names.get(self._value, self._value)

    def machine_readable(self) -> Any:
        return self._value


def site_names(dr: Any) -> dict[str, str]:
    """``{site id: name}`` of the sites the caller can see ({} if none)."""
    try:
        return {s['id']: s.get('name') or s['id'] for s in dr.sites.list()}
    except exceptions.ClientError:
        return {}


def formatters(names: dict[str, str]) -> dict[str, type]:
    """The plan columns' formatters, sites shown by ``names``."""
    site = type('SiteColumn', (SiteColumn,), {'names': names})
    return {'resources': ResourcesColumn, 'mappings': MappingsColumn,
            'options': common.DICT, 'source_site': site,
            'target_site': site}

# option dest -> mapping kind
MAPPING_OPTIONS = (
    ('network', 'networks'),
    ('subnet', 'subnets'),
    ('flavor', 'flavors'),
    ('availability_zone', 'availability_zones'),
    ('volume_type', 'volume_types'),
    ('security_group', 'security_groups'),
)

RESOURCE_TYPES = {
    'server': 'OS::Nova::Server',
    'volume': 'OS::Cinder::Volume',
    'container': 'OS::Swift::Container',
}


def _show(dr: Any, plan: dict) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    return common.columns_and_data(plan, COLUMNS,
                                   formatters(site_names(dr)))


def _mapping_options(parser: argparse.ArgumentParser, unset: bool) -> None:
    metavar = '<source>' if unset else '<source>=<target>'
    verb = 'Remove the mapping of' if unset else 'Map'
    for dest, kind in MAPPING_OPTIONS:
        parser.add_argument(
            '--' + dest.replace('_', '-'), dest=dest, metavar=metavar,
            action='append',
            help='%s a source-site %s%s (repeatable).' % (
                verb, kind[:-1].replace('_', ' '),
                '' if unset else ' to a target-site one'))


def _mappings(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    return {kind: common.parse_pairs(getattr(args, dest),
                                     '--' + dest.replace('_', '-'))
            for dest, kind in MAPPING_OPTIONS if getattr(args, dest)}


def _resource_options(parser: argparse.ArgumentParser, add: bool) -> None:
    for name, rtype in RESOURCE_TYPES.items():
        parser.add_argument(
            '--' + name, dest=name, metavar='<id>', action='append',
            help='%s a %s (%s; repeatable).' % (
                'Protect' if add else 'Stop protecting', name, rtype))
    parser.add_argument(
        '--resource', dest='resource', metavar='<type>=<id>',
        action='append',
        help='%s a resource of any type, e.g. OS::Nova::Server=<id> '
             '(repeatable).' % ('Protect' if add else 'Stop protecting'))
    if add:
        parser.add_argument(
            '--tier', type=int, metavar='<tier>',
            help='Recovery tier of the added resources (1 first).')


def _resources(args: argparse.Namespace) -> list[dict]:
    resources: list[dict] = []
    for name, rtype in RESOURCE_TYPES.items():
        for ident in getattr(args, name) or []:
            resources.append({'type': rtype, 'id': ident})
    for value in args.resource or []:
        rtype, sep, ident = value.partition('=')
        if not sep or not rtype or not ident:
            raise osc_exc.CommandError(
                'invalid --resource %r: expected TYPE=ID' % value)
        resources.append({'type': rtype, 'id': ident})
    tier = getattr(args, 'tier', None)
    if tier is not None:
        for res in resources:
            res['tier'] = tier
    return resources


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.volume_replication:
        options['volume_replication'] = args.volume_replication
    if args.test_network_isolation is not None:
        options['test_network_isolation'] = args.test_network_isolation
    return options


def _plan_options(parser: argparse.ArgumentParser, create: bool) -> None:
    parser.add_argument('--description', metavar='<description>',
                        help='Description.')
    parser.add_argument('--source-site', metavar='<site>', required=create,
                        help='Site the resources run at (name or id).')
    parser.add_argument('--target-site', metavar='<site>', required=create,
                        help='Site they recover to (name or id).')
    parser.add_argument('--rpo', dest='rpo_seconds', type=int,
                        metavar='<seconds>',
                        help='Recovery point objective, in seconds.')
    parser.add_argument('--volume-replication',
                        choices=('volume-type', 'group'),
                        help='How volumes are replicated.')
    iso = parser.add_mutually_exclusive_group()
    iso.add_argument('--test-network-isolation', action='store_true',
                     default=None, dest='test_network_isolation',
                     help='Test failovers run on isolated networks.')
    iso.add_argument('--no-test-network-isolation', action='store_false',
                     dest='test_network_isolation',
                     help='Test failovers use the mapped networks.')


class CreatePlan(command.ShowOne):
    """Create a protection plan."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Plan name.')
        _plan_options(parser, create=True)
        _resource_options(parser, add=True)
        _mapping_options(parser, unset=False)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        fields: dict[str, Any] = {
            'name': parsed_args.name,
            'source_site': parsed_args.source_site,
            'target_site': parsed_args.target_site,
        }
        if parsed_args.description is not None:
            fields['description'] = parsed_args.description
        if parsed_args.rpo_seconds is not None:
            fields['rpo_seconds'] = parsed_args.rpo_seconds
        resources = _resources(parsed_args)
        if resources:
            fields['resources'] = resources
        mappings = _mappings(parsed_args)
        if mappings:
            fields['mappings'] = mappings
        options = _options(parsed_args)
        if options:
            fields['options'] = options
        dr = common.dr(self.app)
        return _show(dr, dr.plans.create(**fields))


class ListPlan(command.Lister):
    """List protection plans."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>',
                            help='Only the plans with this name.')
        parser.add_argument('--status', metavar='<status>',
                            help='Only the plans in this status.')
        parser.add_argument('--all-projects', action='store_true',
                            help='Plans of every project (admin).')
        common.add_limit_marker(parser)
        parser.add_argument('--long', action='store_true',
                            help='List more attributes.')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        items = dr.plans.list(
            limit=parsed_args.limit, name=parsed_args.name,
            status=parsed_args.status,
            all_projects='true' if parsed_args.all_projects else None,
            **common.list_params(parsed_args))
        columns = LONG_COLUMNS if parsed_args.long else LIST_COLUMNS
        shown = formatters(site_names(dr)) if items else {}
        return (common.headers(columns),
                (common.row(i, columns, shown) for i in items))


class ShowPlan(command.ShowOne):
    """Show a protection plan."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>',
                            help='Plan (name or id).')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        return _show(dr, common.find(dr.plans, parsed_args.plan))


class SetPlan(command.Command):
    """Change a protection plan."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>',
                            help='Plan (name or id).')
        parser.add_argument('--name', metavar='<name>', help='New name.')
        _plan_options(parser, create=False)
        parser.add_argument('--no-rpo', action='store_true',
                            help='Remove the recovery point objective.')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        fields: dict[str, Any] = {}
        for name in ('name', 'description', 'source_site', 'target_site',
                     'rpo_seconds'):
            value = getattr(parsed_args, name)
            if value is not None:
                fields[name] = value
        if parsed_args.no_rpo:
            fields['rpo_seconds'] = None
        options = _options(parsed_args)
        if options:
            fields['options'] = options
        if not fields:
            raise osc_exc.CommandError('nothing to change: give at least '
                                       'one option')
        dr = common.dr(self.app)
        plan = common.find(dr.plans, parsed_args.plan)
        dr.plans.update(plan['id'], **fields)


class DeletePlan(command.Command):
    """Delete protection plans."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plans', metavar='<plan>', nargs='+',
                            help='Plans (names or ids).')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        dr = common.dr(self.app)
        failures = []
        for ref in parsed_args.plans:
            try:
                plan = common.find(dr.plans, ref)
                dr.plans.delete(plan['id'])
            except Exception as e:
                failures.append('%s: %s' % (ref, e))
        if failures:
            if len(parsed_args.plans) == 1:
                raise osc_exc.CommandError(failures[0])
            raise osc_exc.CommandError(
                'failed to delete %d of %d plans:\n%s' % (
                    len(failures), len(parsed_args.plans),
                    '\n'.join(failures)))


class AddPlanResource(command.ShowOne):
    """Add resources to a protection plan."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>',
                            help='Plan (name or id).')
        _resource_options(parser, add=True)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        resources = _resources(parsed_args)
        if not resources:
            raise osc_exc.CommandError(
                'give a resource: --server, --volume, --container or '
                '--resource')
        dr = common.dr(self.app)
        plan = common.find(dr.plans, parsed_args.plan)
        return _show(dr, dr.plans.add_resources(plan['id'], resources))


class RemovePlanResource(command.ShowOne):
    """Remove resources from a protection plan."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>',
                            help='Plan (name or id).')
        _resource_options(parser, add=False)
        parser.add_argument(
            'ids', metavar='<id>', nargs='*',
            help='Ids of resources to remove, whatever their type.')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        resources = _resources(parsed_args) + [
            {'id': i} for i in parsed_args.ids]
        if not resources:
            raise osc_exc.CommandError('give a resource to remove')
        dr = common.dr(self.app)
        plan = common.find(dr.plans, parsed_args.plan)
        try:
            return _show(dr, dr.plans.remove_resources(plan['id'], resources))
        except KeyError as e:
            raise osc_exc.CommandError(
                'plan %s does not protect resource %s'
                % (parsed_args.plan, e.args[0]))


class SetPlanMapping(command.ShowOne):
    """Map source-site networks, flavors... to target-site ones."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>',
                            help='Plan (name or id).')
        _mapping_options(parser, unset=False)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        changes = _mappings(parsed_args)
        if not changes:
            raise osc_exc.CommandError(
                'give a mapping, e.g. --network SOURCE=TARGET')
        dr = common.dr(self.app)
        plan = common.find(dr.plans, parsed_args.plan)
        return _show(dr, dr.plans.set_mappings(plan['id'], changes))


class UnsetPlanMapping(command.ShowOne):
    """Remove mappings from a protection plan."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan>',
                            help='Plan (name or id).')
        _mapping_options(parser, unset=True)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        unset = {kind: getattr(parsed_args, dest)
                 for dest, kind in MAPPING_OPTIONS
                 if getattr(parsed_args, dest)}
        if not unset:
            raise osc_exc.CommandError(
                'give a mapping to remove, e.g. --network SOURCE')
        dr = common.dr(self.app)
        plan = common.find(dr.plans, parsed_args.plan)
        try:
            return _show(dr, dr.plans.set_mappings(plan['id'], {}, unset))
        except KeyError as e:
            raise osc_exc.CommandError('plan %s has no mapping of %s'
                                       % (parsed_args.plan, e.args[0]))
