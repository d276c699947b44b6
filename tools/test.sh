#!/usr/bin/env bash
# The tests of drs, all of them: unit, functional (real Keystone,
# SQLite/MariaDB/PostgreSQL, RabbitMQ, Redis) and integration (the
# two-site test cloud). Sets up whatever this machine lacks first.
#
#   tools/test.sh                 everything
#   tools/test.sh drs/tests/unit  only what pytest is given
set -euo pipefail
. "$(dirname "$0")/common.sh"

ensure_services
ensure_venv

# Every database and service must answer: a skipped backend would hide a
# failure.
export DRS_TEST_REQUIRE_ALL_DBS=1 DRS_TEST_REQUIRE_SERVICES=1

if [ $# -eq 0 ] || [[ " $* " == *integration* ]]; then
    say "bringing up the two-site test cloud"
    "$DRS_TOP/tools/testcloud/testcloud" up
fi

say "running the tests"
cd "$DRS_TOP"
status=0
"$DRS_VENV/bin/python" -m pytest -p no:cacheprovider -ra "${@:-drs/tests}" \
    || status=$?
if [ $status -ne 0 ] && [ -x "$DRS_TOP/tools/testcloud/testcloud" ] \
        && "$DRS_TOP/tools/testcloud/testcloud" status >/dev/null 2>&1; then
    say "test cloud logs (tails)"
    "$DRS_TOP/tools/testcloud/testcloud" logs || true
fi
exit $status
