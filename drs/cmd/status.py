"""drs-status: upgrade checks (oslo.upgradecheck)."""

import sys

from oslo_config import cfg
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck
import sqlalchemy as sa

from drs.common import service
from drs.conf import opts
from drs.db import migration
from drs.i18n import _

CONF = cfg.CONF


class Checks(upgradecheck.UpgradeCommands):
    """Checks an operator runs before and after an upgrade of drs."""

    def _check_database(self) -> upgradecheck.Result:
        try:
            current = migration.version()
        except sa.exc.SQLAlchemyError as e:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                _('Cannot read the database schema version: %s') %
                type(e).__name__)
        head = migration.head()
        if current != head:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                _('The database schema is at %(current)s, not %(head)s: '
                  'run "drs-manage db sync".') % {'current': current,
                                                  'head': head})
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)

    _upgrade_checks = (
        (_('Database schema'), _check_database),
        (_('Policy File JSON to YAML Migration'),
         (common_checks.check_policy_json, {'conf': CONF})),
    )


def main(argv: list[str] | None = None) -> int:
    service.register_logging(CONF)
    opts.set_defaults(CONF)
    return upgradecheck.main(
        CONF, project='drs', upgrade_command=Checks(),
        argv=sys.argv[1:] if argv is None else argv)

