"""``openstack dr site ...``: the sites drs protects from and into."""

from __future__ import annotations

import argparse
from typing import Any

from osc_lib.command import command
from osc_lib import exceptions as osc_exc

from drsclient.osc.v1 import common

COLUMNS = ('id', 'name', 'region_name', 'auth_url', 'interface',
           'verify_tls', 'description', 'endpoint_overrides', 'created_at',
           'updated_at')
LIST_COLUMNS = ('id', 'name', 'region_name', 'auth_url')
FORMATTERS = {'endpoint_overrides': common.DICT}


def _site_options(parser: argparse.ArgumentParser, create: bool) -> None:
    parser.add_argument(
        '--region', dest='region_name', metavar='<region>',
        required=create, help='The site\'s region name in its Keystone.')
    parser.add_argument(
        '--auth-url', metavar='<url>', required=create,
        help='The site\'s Keystone (identity v3) URL.')
    parser.add_argument(
        '--interface', choices=('public', 'internal', 'admin'),
        help='Catalog interface used to reach the site\'s services.')
    parser.add_argument(
        '--description', metavar='<description>', help='Description.')
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument('--verify-tls', dest='verify_tls', action='store_true',
                     default=None, help='Verify TLS certificates.')
    tls.add_argument('--no-verify-tls', dest='verify_tls',
                     action='store_false',
                     help='Do not verify TLS certificates.')
    parser.add_argument(
        '--endpoint-override', metavar='<service-type>=<url>',
        action='append', dest='endpoint_overrides',
        help='Use this URL for a service type instead of the catalog\'s '
             '(repeatable; admins only).')


def _site_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ('region_name', 'auth_url', 'interface', 'description',
                 'verify_tls'):
        value = getattr(args, name)
        if value is not None:
            fields[name] = value
    if args.endpoint_overrides:
        fields['endpoint_overrides'] = common.parse_pairs(
            args.endpoint_overrides, '--endpoint-override')
    return fields


class ListSite(command.Lister):
    """List sites."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>',
                            help='Only the site with this name.')
        parser.add_argument('--region', dest='region_name',
                            metavar='<region>',
                            help='Only the sites of this region.')
        common.add_limit_marker(parser)
        parser.add_argument('--long', action='store_true',
                            help='List more attributes.')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        dr = common.dr(self.app)
        items = dr.sites.list(limit=parsed_args.limit,
                              name=parsed_args.name,
                              region_name=parsed_args.region_name,
                              **common.list_params(parsed_args))
        columns = (COLUMNS[:-1] if parsed_args.long else LIST_COLUMNS)
        return (common.headers(columns),
                (common.row(i, columns, FORMATTERS) for i in items))


class ShowSite(command.ShowOne):
    """Show a site."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('site', metavar='<site>',
                            help='Site (name or id).')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        site = common.find(common.dr(self.app).sites, parsed_args.site)
        return common.columns_and_data(site, COLUMNS, FORMATTERS)


class CreateSite(command.ShowOne):
    """Register a site (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Site name.')
        _site_options(parser, create=True)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> Any:
        site = common.dr(self.app).sites.create(
            name=parsed_args.name, **_site_fields(parsed_args))
        return common.columns_and_data(site, COLUMNS, FORMATTERS)


class SetSite(command.Command):
    """Change a site (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('site', metavar='<site>',
                            help='Site (name or id).')
        parser.add_argument('--name', metavar='<name>', help='New name.')
        _site_options(parser, create=False)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        dr = common.dr(self.app)
        fields = _site_fields(parsed_args)
        if parsed_args.name:
            fields['name'] = parsed_args.name
        if not fields:
            raise osc_exc.CommandError('nothing to change: give at least '
                                       'one option')
        site = common.find(dr.sites, parsed_args.site)
        dr.sites.update(site['id'], **fields)


class DeleteSite(command.Command):
    """Delete sites (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument('sites', metavar='<site>', nargs='+',
                            help='Sites (names or ids).')
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        dr = common.dr(self.app)
        failures = []
        for ref in parsed_args.sites:
            try:
                site = common.find(dr.sites, ref)
                dr.sites.delete(site['id'])
            except Exception as e:
                failures.append('%s: %s' % (ref, e))
        if failures:
            raise osc_exc.CommandError(
                'failed to delete %d of %d sites:\n%s' % (
                    len(failures), len(parsed_args.sites),
                    '\n'.join(failures)))
