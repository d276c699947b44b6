"""drs-manage: database schema management."""

import sys

from oslo_config import cfg

from drs.common import service
from drs.db import migration

CONF = cfg.CONF


class DBCommands:

    def sync(self) -> int:
        """Upgrade the database schema to the latest version."""
        migration.upgrade(CONF.command.revision)
        print('Database schema is at %s.' % migration.version())
        # TaskFlow's tables (the engine's logbooks), versioned apart.
        from drs.engine import persistence
        persistence.upgrade()
        print('Engine persistence schema is at %s.'
              % persistence.version())
        return 0

    def version(self) -> int:
        """Print the current database schema version."""
        print(migration.version() or 'None (empty database)')
        return 0


def add_command_parsers(subparsers) -> None:
    db = subparsers.add_parser('db', help='Database schema management.')
    db_actions = db.add_subparsers(dest='db_action', required=True)
    commands = DBCommands()
    sync = db_actions.add_parser('sync', help=commands.sync.__doc__)
    sync.add_argument('revision', nargs='?', default='head',
                      help='The revision to upgrade to (default: head).')
    sync.set_defaults(func=commands.sync)
    version = db_actions.add_parser('version', help=commands.version.__doc__)
    version.set_defaults(func=commands.version)


command_opt = cfg.SubCommandOpt('command', title='Commands',
                                handler=add_command_parsers,
                                help='Available commands')


def main(argv: list[str] | None = None) -> int:
    CONF.register_cli_opt(command_opt)
    service.prepare_service(sys.argv[1:] if argv is None else argv)
    return CONF.command.func()
