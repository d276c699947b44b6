#!/usr/bin/env bash
# The tests of drs, all of them: unit and functional (real Keystone,
# SQLite/MariaDB/PostgreSQL, RabbitMQ, Redis), then integration (drs and
# the two-site test cloud of real OpenStack services, on two real Ceph
# clusters by default: DRS_TESTCLOUD_PROFILE=file for the file pools
# only; the cloud comes up while the unit tests run), then the dashboard
# (Horizon plugin view tests, and the browser test in headless Chromium
# against the test cloud), then each benchmark once in its small size.
# Sets up whatever this machine lacks first.
#
#   tools/test.sh                 everything
#   tools/test.sh PATH...         only what pytest is given (the test cloud
#                                 is brought up when a path is under
#                                 drs/tests/integration; paths under
#                                 drs_dashboard run in .venv-dashboard)
set -euo pipefail
. "$(dirname "$0")/common.sh"

ensure_services
ensure_venv
ensure_mod_wsgi  # the WSGI server tests run drs-api under Apache too

# Every database and service must answer: a skipped backend would hide a
# failure.
export DRS_TEST_REQUIRE_ALL_DBS=1 DRS_TEST_REQUIRE_SERVICES=1
cd "$DRS_TOP"

# Every pytest run's output is kept too, for the closing list of what
# failed (a CI log's tail is what gets read).
PYTEST_OUT=${TMPDIR:-/tmp}/drs-pytest.$$.log
: >"$PYTEST_OUT"
trap 'rm -f "$PYTEST_OUT"' EXIT

run_pytest() {
    "$DRS_VENV/bin/python" -m pytest -p no:cacheprovider -ra "$@" 2>&1 |
        tee -a "$PYTEST_OUT"
}

# The test cloud's profile. ``ceph`` (the default) adds two Ceph clusters
# (RBD mirroring, RGW multisite, a Cinder RBD backend per site) beside the
# file pools, and the Ceph tests run on real daemons; ``file`` is the file
# pools only (faster; the Ceph tests skip).
PROFILE=${DRS_TESTCLOUD_PROFILE:-ceph}
if [ "$PROFILE" = ceph ]; then
    export DRS_TEST_REQUIRE_CEPH=1   # a Ceph test must not skip
fi
CLOUD_UP_LOG=${TMPDIR:-/tmp}/drs-testcloud-up.$$.log
CLOUD_UP_PID=

cloud_up() {  # cloud_up [--background]: bring up the two-site test cloud
    say "bringing up the two-site test cloud (profile $PROFILE)${1:+, in the background}"
    if [ "${1:-}" = --background ]; then
        # The dashboard's Chromium and virtualenv after it (apt's lock is
        # one); the cloud's status is the job's.
        (
            rc=0
            "$DRS_TOP/tools/testcloud/testcloud" up --profile "$PROFILE" || rc=$?
            say "dashboard set-up, ahead of its tests"
            { apt_install chromium chromium-driver &&
                "$DRS_TOP/tools/dashboard.sh" setup; } ||
                echo "dashboard set-up failed; its tests retry it"
            exit $rc
        ) >"$CLOUD_UP_LOG" 2>&1 &
        CLOUD_UP_PID=$!
    else
        "$DRS_TOP/tools/testcloud/testcloud" up --profile "$PROFILE"
    fi
}

cloud_up_wait() {  # the background bring-up's end, and its output
    [ -n "$CLOUD_UP_PID" ] || return 0
    local status=0
    wait "$CLOUD_UP_PID" || status=$?
    CLOUD_UP_PID=
    say "test cloud bring-up (rc $status)"
    cat "$CLOUD_UP_LOG"; rm -f "$CLOUD_UP_LOG"
    return $status
}

integration() {
    if [ -n "$CLOUD_UP_PID" ]; then
        cloud_up_wait || return $?
    else
        cloud_up || return $?
    fi
    say "integration tests"
    local status=0
    DRS_INTEGRATION=1 run_pytest "$@" || status=$?
    if [ $status -ne 0 ]; then
        say "test cloud logs (tails)"
        "$DRS_TOP/tools/testcloud/testcloud" logs || true
    fi
    return $status
}

dashboard() {  # the Horizon plugin's tests, from its own virtualenv
    apt_install chromium chromium-driver
    "$DRS_TOP/tools/dashboard.sh" setup
    local artifacts=${DRS_E2E_ARTIFACTS:-$DRS_TOP/.dashboard/e2e-artifacts}
    rm -rf "$artifacts"; mkdir -p "$artifacts"
    say "dashboard tests (the browser test's screenshots: $artifacts)"
    # Bounded: the browser test takes about 3 minutes.
    DRS_E2E=1 DRS_E2E_ARTIFACTS=$artifacts DRS_VENV=$DRS_VENV \
        timeout 900 "$DRS_TOP/.venv-dashboard/bin/python" -m pytest \
        -p no:cacheprovider -ra "$@" 2>&1 | tee -a "$PYTEST_OUT"
}

benchmarks() {  # each benchmark once, small (N=3), so they cannot rot
    say "benchmarks, small (figures only: no timing is asserted)"
    # Bounded: about 3 minutes; the failover one stops site A's services
    # and starts them again, so it runs last.
    timeout 900 "$DRS_TOP/benchmarks/run.sh" all --small
}

if [ $# -gt 0 ]; then
    if [[ " $* " == *drs_dashboard* ]]; then
        dashboard "$@"
    elif [[ " $* " == *integration* ]]; then
        integration "$@"
    else
        run_pytest "$@"
    fi
    exit
fi

# Unit and functional first, then the test cloud. The functional tests
# that restart a broker or a database start private ones (other ports,
# their own directories): the machine's RabbitMQ and MariaDB serve the test
# cloud.
# The test cloud comes up meanwhile (5 minutes with Ceph, mostly waiting
# on services; the tests beside it run slower, so less than that is saved).
status=0
failed=()
stage() {  # stage NAME CMD...: run one stage; its failure is remembered
    local name=$1; shift
    "$@" || { status=$?; failed+=("$name"); }
}
cloud_up --background
say "unit and functional tests"
stage "unit and functional tests" run_pytest drs/tests/unit drs/tests/functional
say "the API reference (its samples are recorded by the functional tests)"
stage "the API reference" "$DRS_VENV/bin/sphinx-build" -q -W -b html \
    api-ref/source api-ref/build/html
say "the developer notes (doc/)"
stage "the developer notes" "$DRS_VENV/bin/sphinx-build" -q -W -b html \
    doc/source doc/build/html
stage "integration tests" integration drs/tests/integration
# After the integration tests: the test cloud is up.
stage "dashboard tests" dashboard drs_dashboard/tests
stage "benchmarks" benchmarks
# The last lines a CI log keeps: which stages failed, if any.
if [ $status -ne 0 ]; then
    grep -E '^(FAILED|ERROR) ' "$PYTEST_OUT" || true
    printf -v names '%s, ' "${failed[@]}"
    say "FAILED: ${names%, }"
else
    say "all stages passed"
fi
exit $status
