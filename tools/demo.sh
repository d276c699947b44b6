#!/usr/bin/env bash
# The drs demo: disaster recovery of a tenant's workload between the two
# sites of a real OpenStack test cloud on 127.0.0.1.
#
# On a fresh machine it installs what it needs, brings up the two-site
# test cloud (tools/testcloud/testcloud up: Keystone, and per site Cinder,
# Swift, Nova, Neutron, Glance, Placement), starts drs on the embedded
# default (drs-all-in-one: API and engine in one process, SQLite,
# in-process messaging), and then, as a member of project tenant1:
#
#   1. creates a workload at site A: 2 servers booted from replicated
#      volumes, each with a data volume, and a container with objects;
#   2. protects it (plan: db in tier 1, web in tier 2, the container);
#   3. runs preflight, a test failover (isolated network, copies of the
#      replicas) and its cleanup;
#   4. stops site A's Cinder, Swift and Nova and fails over to site B;
#   5. prints the operation report (per step, RTO, RPO) and checks that
#      the data written at A is at B and the servers are ACTIVE there
#      with their recorded IPs.
#
# Site A's services are restarted, the workload removed and drs stopped
# at the end, whatever happened. drs's files live in .drs-demo/.
# DRS_DEMO_KEEP=1 keeps the workload for a look around, and leaves drs
# running with the dashboard on it (tools/dashboard.sh; 'tools/dashboard.sh
# stop' and a kill of the printed drs pid end them).
#
#   The storage is the seed's: Ceph (the test cloud's ceph profile): the
#   volumes on Cinder's RBD backend mirrored by rbd-mirror (drs's rbd
#   replication backend), the container a bucket of RGW zone site-a
#   replicated by multisite (drs's rgw driver); the disaster also freezes
#   site A's Ceph daemons.
#   tools/demo.sh --file    the same on the file profile: Cinder's test
#                           file pools and Swift container sync
#                           (DRS_DEMO_STORAGE=file|ceph does the same)
#   tools/demo.sh --serve   only the set-up: the test cloud, then drs on
#                           127.0.0.1:${DRS_PORT:-9779} with a generated
#                           configuration (.drs-demo/drs.conf) and the two
#                           sites registered, in the foreground until
#                           Ctrl-C, for the openstack dr CLI (README's
#                           walk-through; the file profile unless
#                           --ceph: the walk-through makes its container
#                           with the catalog's object store, Swift).
set -euo pipefail
. "$(dirname "$0")/common.sh"

SERVE=0
STORAGE=${DRS_DEMO_STORAGE:-}
for arg in "$@"; do
    case "$arg" in
        --serve) SERVE=1 ;;
        --ceph) STORAGE=ceph ;;
        --file) STORAGE=file ;;
        *) echo "usage: $0 [--ceph|--file] [--serve]" >&2; exit 2 ;;
    esac
done
if [ -z "$STORAGE" ]; then
    STORAGE=ceph
    [ $SERVE = 1 ] && STORAGE=file
fi
case "$STORAGE" in
    file|ceph) ;;
    *) echo "DRS_DEMO_STORAGE: file or ceph, not $STORAGE" >&2; exit 2 ;;
esac

T0=$(date +%s)
ensure_services
ensure_venv

TESTCLOUD=$DRS_TOP/tools/testcloud/testcloud
TESTCLOUD_DRIVERS=$DRS_TOP/tools/testcloud/drivers
say "bringing up the two-site test cloud, profile $STORAGE (first run: installs OpenStack, some minutes)"
# Its progress as it goes: on a terminal each phase's live line (and the
# table of what runs where); elsewhere a line per phase as it ends, the
# 33-line table left out (testcloud status prints it).
if [ -t 1 ]; then
    "$TESTCLOUD" up --profile "$STORAGE"
else
    PYTHONUNBUFFERED=1 "$TESTCLOUD" up --profile "$STORAGE" | awk '
        /^SERVICE +SITE/ { table = 1; next }
        /^up took|^cloud.json|^clouds.yaml/ { table = 0 }
        !table { print; fflush() }'
fi
CLOUD_JSON=${DRS_TESTCLOUD_DIR:-$DRS_TOP/.testcloud}/cloud.json

DEMO=$DRS_TOP/.drs-demo
rm -rf "$DEMO"; mkdir -p "$DEMO"
PY=$DRS_VENV/bin/python
DRS_PID=
cleanup() {
    if [ "${DRS_DEMO_KEEP:-}" = 1 ] && [ -n "$DRS_PID" ]; then
        say "DRS_DEMO_KEEP=1: drs-all-in-one keeps running on $DRS (pid $DRS_PID)"
        DRS_URL=$DRS "$DRS_TOP/tools/dashboard.sh" start \
            || say "the dashboard did not start (see .dashboard/)"
        return
    fi
    if [ -n "$DRS_PID" ]; then
        say "stopping drs-all-in-one"
        kill "$DRS_PID" 2>/dev/null || true
        wait "$DRS_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

if [ $SERVE = 1 ]; then
    DRS_PORT=${DRS_PORT:-9779}
else
    DRS_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
"$DRS_VENV/bin/python" "$DRS_TOP/tools/testcloud_drs_conf.py" "$CLOUD_JSON" "$DEMO" "$DRS_PORT" 5 "$STORAGE" > "$DEMO/drs.conf"

DRS=http://127.0.0.1:$DRS_PORT
say "starting drs-all-in-one on $DRS (SQLite, in-process engine; log .drs-demo/drs.log)"
# The test cloud's replication backend is not part of drs: loaded by class
# path from the test cloud's drivers.
PYTHONPATH="$TESTCLOUD_DRIVERS${PYTHONPATH:+:$PYTHONPATH}" \
    "$DRS_VENV/bin/drs-all-in-one" --config-file "$DEMO/drs.conf" \
    > "$DEMO/stdout.log" 2>&1 &
DRS_PID=$!
wait_port "$DRS_PORT" 60

if [ $SERVE = 1 ]; then
    export OS_CLIENT_CONFIG_FILE=$(dirname "$CLOUD_JSON")/clouds.yaml
    OSC=("$DRS_VENV/bin/openstack" --os-cloud testcloud-a-admin
         --os-dr-endpoint-override "$DRS")
    cloud() {  # cloud KEY... : a value of cloud.json
        "$PY" -c 'import functools, json, sys; print(functools.reduce(lambda d, k: d[k], sys.argv[2:], json.load(open(sys.argv[1]))))' "$CLOUD_JSON" "$@"
    }
    for site in a b; do
        # on ceph, the site's RGW zone is its object store
        overrides=()
        [ "$STORAGE" = ceph ] && overrides=(--endpoint-override
            "object-store=$(cloud ceph sites $site rgw swift_url)/AUTH_%(project_id)s")
        "${OSC[@]}" dr site show "site-$site" >/dev/null 2>&1 \
            || "${OSC[@]}" dr site create "site-$site" \
                --region "$(cloud sites $site region)" "${overrides[@]}" \
                --auth-url "$(cloud keystone url)" -f value -c id >/dev/null
    done
    say "drs-all-in-one serves $DRS (.drs-demo/drs.conf, log .drs-demo/drs.log), sites site-a and site-b registered; Ctrl-C stops it"
    cat <<MSG
In another shell:
  . $DRS_VENV/bin/activate
  eval "\$(tools/testcloud/testcloud env)"
  export OS_DR_ENDPOINT_OVERRIDE=$DRS
  openstack --os-cloud testcloud-a-tenant1-member dr site list
MSG
    wait "$DRS_PID" || true
    DRS_PID=
    exit 0
fi

rc=0
"$PY" "$DRS_TOP/tools/demo_recover.py" "$CLOUD_JSON" "$DRS" "$TESTCLOUD" "$STORAGE" || rc=$?
if [ $rc = 0 ]; then
    say "demo finished in $(( $(date +%s) - T0 )) s: failover done and checked"
else
    say "demo FAILED (rc $rc) after $(( $(date +%s) - T0 )) s; see .drs-demo/drs.log"
fi
exit $rc
