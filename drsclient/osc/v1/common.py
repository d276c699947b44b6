"""Helpers shared by the ``openstack dr`` commands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osc_lib.cli import format_columns
from osc_lib import exceptions as osc_exc

from drsclient import exceptions


def dr(app: Any) -> Any:
    """The drs client of the running ``openstack`` command."""
    return app.client_manager.dr


def find(manager: Any, name_or_id: str) -> dict:
    """A resource by name or id, with a clear error when it is not one."""
    try:
        return manager.find(name_or_id)
    except (exceptions.NotFound, exceptions.NoUniqueMatch) as e:
        raise osc_exc.CommandError(str(e))


def parse_pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``KEY=VALUE`` arguments as a dict, with a clear error if not."""
    pairs: dict[str, str] = {}
    for value in values or []:
        key, sep, target = value.partition('=')
        if not sep or not key or not target:
            raise osc_exc.CommandError(
                'invalid %s %r: expected SOURCE=TARGET' % (option, value))
        pairs[key] = target
    return pairs


def columns_and_data(item: dict, columns: tuple[str, ...],
                     formatters: Mapping[str, type] | None = None
                     ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """``(columns, values)`` for a ShowOne, with formatted columns."""
    formatters = formatters or {}
    data = []
    for column in columns:
        value = item.get(column)
        if column in formatters:
            value = formatters[column](value)
        data.append(value)
    return columns, tuple(data)


def headers(columns: tuple[str, ...]) -> tuple[str, ...]:
    """List headers as OpenStackClient shows them: ``ID``, ``Plan ID``."""
    return tuple(' '.join('ID' if w == 'id' else w.capitalize()
                          for w in c.split('_')) for c in columns)


def row(item: dict, columns: tuple[str, ...],
        formatters: Mapping[str, type] | None = None) -> tuple[Any, ...]:
    return columns_and_data(item, columns, formatters)[1]


LINKS = format_columns.ListDictColumn
DICT = format_columns.DictColumn
LIST_DICT = format_columns.ListDictColumn
LIST = format_columns.ListColumn


def add_limit_marker(parser: Any) -> None:
    parser.add_argument(
        '--limit', metavar='<limit>', type=int,
        help='Return at most this many items (all pages are followed '
             'otherwise).')
    parser.add_argument(
        '--marker', metavar='<id>',
        help='Start after the item with this id.')
    parser.add_argument(
        '--sort-key', metavar='<key>', help='Sort by this attribute.')
    parser.add_argument(
        '--sort-dir', choices=('asc', 'desc'), help='Sort direction.')


def list_params(args: Any) -> dict[str, Any]:
    return {'marker': args.marker, 'sort_key': args.sort_key,
            'sort_dir': args.sort_dir}
