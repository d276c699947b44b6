#!/usr/bin/env bash
# The drs demo, on the embedded default: drs-all-in-one (API and engine in
# one process, SQLite, in-process messaging) behind a real Keystone on
# 127.0.0.1, driven with curl as a tenant would.
#
# What it shows: an admin registers two sites; a member of project-a
# creates a protection plan, reads it back, changes it and lists it page by
# page; a member of project-b cannot see it (404); a reader cannot change
# it (403); bad input gets a clear 400; an action runs as an operation.
#
# Everything it starts lives in .drs-demo/ and is stopped at the end.
set -euo pipefail
. "$(dirname "$0")/common.sh"

ensure_services
ensure_venv

DEMO=$DRS_TOP/.drs-demo
rm -rf "$DEMO"; mkdir -p "$DEMO"
PY=$DRS_VENV/bin/python
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

say "starting Keystone on 127.0.0.1 (SQLite, fernet tokens)"
"$PY" -m drs.tests.local_keystone "$DEMO/keystone" > "$DEMO/keystone.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 600); do
    grep -q 'listening on' "$DEMO/keystone.out" 2>/dev/null && break
    kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$DEMO/keystone.out"; exit 1; }
    sleep 0.2
done
KEYSTONE=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$DEMO/keystone.out")
echo "    $KEYSTONE"

DRS_PORT=$("$PY" -c 'from drs.tests import local_keystone as k; print(k.free_port())')
DRS=http://127.0.0.1:$DRS_PORT
cat > "$DEMO/drs.conf" <<CONF
[DEFAULT]
log_file = $DEMO/drs.log
[api]
host_ip = 127.0.0.1
port = $DRS_PORT
[database]
connection = sqlite:///$DEMO/drs.sqlite
[keystone_authtoken]
www_authenticate_uri = $KEYSTONE
auth_url = $KEYSTONE
auth_type = password
username = drs
password = drs-service-secret
project_name = service
user_domain_id = default
project_domain_id = default
interface = public
CONF

say "starting drs-all-in-one on $DRS (SQLite, in-process engine)"
"$DRS_VENV/bin/drs-all-in-one" --config-file "$DEMO/drs.conf" &
PIDS+=($!)
wait_port "$DRS_PORT" 60

token() {  # token USER PASSWORD PROJECT
    curl -sf -i -H 'Content-Type: application/json' "$KEYSTONE/auth/tokens" -d '{
      "auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "'"$1"'", "domain": {"id": "default"}, "password": "'"$2"'"}}},
       "scope": {"project": {"name": "'"$3"'", "domain": {"id": "default"}}}}}' \
      | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: \([^[:space:]]*\).*/\1/p'
}
ADMIN=$(token admin admin-secret admin)
ALICE=$(token alice user-secret project-a)
RITA=$(token rita user-secret project-a)
BOB=$(token bob user-secret project-b)

call() {  # call TOKEN METHOD PATH [BODY]: prints status and the body
    local out code
    out=$(curl -s -w '\n%{http_code}' -X "$2" -H "X-Auth-Token: $1" \
          -H 'Content-Type: application/json' \
          -H 'OpenStack-API-Version: dr 1.0' "$DRS$3" ${4:+-d "$4"})
    code=$(tail -n1 <<<"$out")
    echo "    -> HTTP $code"
    sed '$d' <<<"$out" | "$PY" -m json.tool 2>/dev/null | sed 's/^/       /' | head -40 || true
    LAST=$(sed '$d' <<<"$out"); LAST_CODE=$code
}
expect() { [ "$LAST_CODE" = "$1" ] || { echo "expected HTTP $1, got $LAST_CODE" >&2; exit 1; }; }
field() { "$PY" -c "import json,sys; d=json.loads(sys.argv[1]); print($1)" "$LAST"; }

say "the API's versions (no token needed)"
call "" GET /; expect 200

say "admin registers two sites"
call "$ADMIN" POST /v1/sites '{"site": {"name": "site-a", "region_name": "RegionOne", "auth_url": "'"$KEYSTONE"'", "description": "primary"}}'; expect 201
call "$ADMIN" POST /v1/sites '{"site": {"name": "site-b", "region_name": "RegionTwo", "auth_url": "'"$KEYSTONE"'", "description": "recovery"}}'; expect 201

say "alice (member of project-a) creates a protection plan"
call "$ALICE" POST /v1/plans '{"plan": {"name": "billing", "source_site": "site-a", "target_site": "site-b", "rpo_seconds": 300,
  "resources": [{"type": "OS::Nova::Server", "id": "3f0c8b39-6d3e-4c43-8a5a-0c2b6c1c4d11", "tier": 1},
                {"type": "OS::Swift::Container", "id": "invoices"}],
  "mappings": {"networks": {"net-a": "net-b"}, "flavors": {"m1.small": "m1.small"}}}}'; expect 201
PLAN=$(field "d['plan']['id']")

say "alice reads it back"
call "$ALICE" GET "/v1/plans/$PLAN"; expect 200

say "alice renames it"
call "$ALICE" PATCH "/v1/plans/$PLAN" '{"plan": {"name": "billing-prod"}}'; expect 200

say "bob (project-b) asks for it: not found, not forbidden"
call "$BOB" GET "/v1/plans/$PLAN"; expect 404

say "rita (reader of project-a) tries to delete it"
call "$RITA" DELETE "/v1/plans/$PLAN"; expect 403

say "bad input: a resource type drs does not know"
call "$ALICE" POST /v1/plans '{"plan": {"name": "x", "source_site": "site-a", "target_site": "site-b", "resources": [{"type": "OS::Heat::Stack", "id": "abc"}]}}'; expect 400

say "a second plan, then the list one page at a time"
call "$ALICE" POST /v1/plans '{"plan": {"name": "web", "source_site": "site-a", "target_site": "site-b"}}'; expect 201
call "$ALICE" GET "/v1/plans?limit=1&sort_key=name"; expect 200

say "alice runs preflight on an unprotected plan: the state machine says no"
call "$ALICE" POST "/v1/plans/$PLAN/actions" '{"preflight": {}}'; expect 409

say "alice deletes the plan"
call "$ALICE" DELETE "/v1/plans/$PLAN"; expect 204
call "$ALICE" GET "/v1/plans/$PLAN"; expect 404

say "demo finished: every step answered as expected"
