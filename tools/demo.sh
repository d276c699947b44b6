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
set -euo pipefail
. "$(dirname "$0")/common.sh"

T0=$(date +%s)
ensure_services
ensure_venv

TESTCLOUD=$DRS_TOP/tools/testcloud/testcloud
say "bringing up the two-site test cloud (first run: installs OpenStack, some minutes)"
"$TESTCLOUD" up | tail -n 4
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

DRS_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" - "$CLOUD_JSON" "$DEMO" "$DRS_PORT" > "$DEMO/drs.conf" <<'PYCONF'
import json, sys
cloud = json.load(open(sys.argv[1]))
demo, port = sys.argv[2], sys.argv[3]
ks = cloud['keystone']['url']
drs = cloud['users']['drs']
pools = ','.join('%s:%s' % (s['region'], s['cinder']['pool_dir'])
                 for s in cloud['sites'].values())
auth = f"""auth_url = {ks}
auth_type = password
username = {drs['name']}
password = {drs['password']}
project_name = {drs['project']}
user_domain_name = Default
project_domain_name = Default
"""
print(f"""[DEFAULT]
log_file = {demo}/drs.log
transport_url = fake://
[api]
host_ip = 127.0.0.1
port = {port}
auth_strategy = keystone
[database]
connection = sqlite:///{demo}/drs.sqlite
[engine]
periodic_interval = 5
[protection]
sync_interval = 5
[drivers]
wait_timeout = 120
[recovery]
replica_copy_driver = drs.drivers.replica_copy.FilePoolReplicaCopy
file_pool_dirs = {pools}
server_active_timeout = 180
resource_timeout = 120
[keystone_authtoken]
www_authenticate_uri = {ks}
{auth}interface = public
[service_auth]
{auth}""")
PYCONF

DRS=http://127.0.0.1:$DRS_PORT
say "starting drs-all-in-one on $DRS (SQLite, in-process engine; log .drs-demo/drs.log)"
"$DRS_VENV/bin/drs-all-in-one" --config-file "$DEMO/drs.conf" \
    > "$DEMO/stdout.log" 2>&1 &
DRS_PID=$!
wait_port "$DRS_PORT" 60

rc=0
"$PY" "$DRS_TOP/tools/demo_recover.py" "$CLOUD_JSON" "$DRS" "$TESTCLOUD" || rc=$?
if [ $rc = 0 ]; then
    say "demo finished in $(( $(date +%s) - T0 )) s: failover done and checked"
else
    say "demo FAILED (rc $rc) after $(( $(date +%s) - T0 )) s; see .drs-demo/drs.log"
fi
exit $rc
