#!/usr/bin/env bash
# Horizon with the drs dashboard on 127.0.0.1, against the test cloud's
# Keystone and a drs.
#
#   tools/dashboard.sh [serve]   start, print the URL, run until Ctrl-C
#   tools/dashboard.sh start     start in the background (stop with 'stop')
#   tools/dashboard.sh stop      stop what 'start' started
#   tools/dashboard.sh setup     only install (.venv-dashboard, static files)
#
# Horizon runs from its own virtualenv, .venv-dashboard (Horizon 27 pins
# Django and libraries of its own: drs_dashboard/constraints.txt), with
# drs installed there without dependencies for drsclient. Unless DRS_URL
# names a running drs, a drs-all-in-one is started from .venv (SQLite,
# in-process engine), configured like the demo's. The 'dr' service and its
# RegionOne/RegionTwo endpoints are registered in Keystone if missing, and
# the two test-cloud sites in drs if it has none.
#
#   DRS_TESTCLOUD_DIR       the test cloud's state dir (default .testcloud)
#   DRS_DASHBOARD_DIR       this dashboard's files (default .dashboard)
#   DRS_DASHBOARD_PORT      Horizon's port (default 9980)
#   DRS_DASHBOARD_DRS_PORT  the started drs's port (default 9779)
#   DRS_URL                 use this drs instead of starting one
set -euo pipefail
. "$(dirname "$0")/common.sh"

CMD=${1:-serve}
DASH_VENV=${DRS_DASHBOARD_VENV:-$DRS_TOP/.venv-dashboard}
DASH_DIR=${DRS_DASHBOARD_DIR:-$DRS_TOP/.dashboard}
PORT=${DRS_DASHBOARD_PORT:-9980}
DRS_PORT=${DRS_DASHBOARD_DRS_PORT:-9779}
CLOUD_DIR=${DRS_TESTCLOUD_DIR:-$DRS_TOP/.testcloud}
CLOUD_JSON=$CLOUD_DIR/cloud.json
DPY=$DASH_VENV/bin/python
SITE_PACKAGES=

ensure_dashboard_venv() {  # Horizon, Selenium and drs (for drsclient)
    local stamp=$DASH_VENV/.drs-dashboard-installed want
    want=$(cat "$DRS_TOP/drs_dashboard/constraints.txt" "$DRS_TOP/setup.cfg" \
        | sha1sum | cut -c1-40)
    if ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing Horizon 27 into $DASH_VENV (pinned: drs_dashboard/constraints.txt)"
        [ -x "$DPY" ] || python3 -m venv "$DASH_VENV"
        "$DASH_VENV/bin/pip" install -q -U pip
        "$DASH_VENV/bin/pip" install -q -c "$DRS_TOP/drs_dashboard/constraints.txt" \
            horizon selenium pytest automaton
        "$DASH_VENV/bin/pip" install -q --no-deps -e "$DRS_TOP"
        rm -f "$DASH_VENV/.drs-static"
        echo "$want" > "$stamp"
    fi
    SITE_PACKAGES=$("$DPY" -c 'import openstack_dashboard, os; print(os.path.dirname(openstack_dashboard.__file__))')
    # The plugin's enabled files and the settings hook, as a Horizon
    # deployment installs them.
    local f
    for f in "$DRS_TOP"/drs_dashboard/enabled/_9*.py; do
        ln -sf "$f" "$SITE_PACKAGES/local/enabled/$(basename "$f")"
    done
    cp "$DRS_TOP/drs_dashboard/devserver/local_settings.py" \
        "$SITE_PACKAGES/local/local_settings.py"
}

write_settings() {  # write_settings DRS_URL ENDPOINT_OVERRIDE
    mkdir -p "$DASH_DIR"
    [ -f "$DASH_DIR/secret_key" ] || "$DPY" -c \
        'import secrets; print(secrets.token_urlsafe(48))' > "$DASH_DIR/secret_key"
    "$DPY" - "$CLOUD_JSON" "$DASH_DIR" "$DASH_VENV" "$DRS_TOP" "$2" "$PORT" \
        > "$DASH_DIR/settings.py" <<'PYSET'
import json, sys
cloud_json, dash_dir, venv, top, override, port = sys.argv[1:7]
cloud = json.load(open(cloud_json))
print(f'''# Written by tools/dashboard.sh.
from openstack_dashboard.defaults import DEFAULT_POLICY_FILES as _DEFAULT_POLICY_FILES
from openstack_dashboard.defaults import POLICY_FILES as _POLICY_FILES

DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SECRET_KEY = open({dash_dir + '/secret_key'!r}).read().strip()
ROOT_URLCONF = 'drs_dashboard.devserver.urls'
STATIC_ROOT = {venv + '/static'!r}
COMPRESS_OFFLINE = True
OPENSTACK_KEYSTONE_URL = {cloud['keystone']['url']!r}
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = 'Default'
OPENSTACK_KEYSTONE_DEFAULT_ROLE = 'member'
SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_TIMEOUT = 3600
CACHES = {{'default': {{'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}}}
POLICY_FILES = dict(_POLICY_FILES, dr={top + '/drs_dashboard/conf/dr_policy.yaml'!r})
DEFAULT_POLICY_FILES = dict(_DEFAULT_POLICY_FILES, dr={top + '/drs_dashboard/conf/dr_default_policy.yaml'!r})
DRS_ENDPOINT_OVERRIDE = {override or None!r}
LOGGING = {{
    'version': 1, 'disable_existing_loggers': False,
    'handlers': {{'file': {{'class': 'logging.FileHandler',
                          'filename': {dash_dir + '/horizon.log'!r}}}}},
    'root': {{'handlers': ['file'], 'level': 'INFO'}},
}}
''')
PYSET
}

ensure_static() {  # collectstatic and compress, once per install
    [ -f "$DASH_VENV/.drs-static" ] && return 0
    say "collecting and compressing Horizon's static files (once)"
    DRS_DASHBOARD_SETTINGS=$DASH_DIR/settings.py \
        DJANGO_SETTINGS_MODULE=openstack_dashboard.settings \
        "$DPY" -m django collectstatic --noinput -v0
    DRS_DASHBOARD_SETTINGS=$DASH_DIR/settings.py \
        DJANGO_SETTINGS_MODULE=openstack_dashboard.settings \
        "$DPY" -m django compress --force -v0
    touch "$DASH_VENV/.drs-static"
}

start_drs() {  # a drs-all-in-one on DRS_PORT, configured like the demo's
    local conf=$DASH_DIR/drs.conf
    "$DRS_VENV/bin/python" "$DRS_TOP/tools/testcloud_drs_conf.py" "$CLOUD_JSON" "$DASH_DIR" "$DRS_PORT" 10 > "$conf"
    say "starting drs-all-in-one on http://127.0.0.1:$DRS_PORT (log $DASH_DIR/drs.log)"
    # The test cloud's replication backend, by class path (not in drs).
    PYTHONPATH="$DRS_TOP/tools/testcloud/drivers${PYTHONPATH:+:$PYTHONPATH}" \
        setsid "$DRS_VENV/bin/drs-all-in-one" --config-file "$conf" \
        > "$DASH_DIR/drs.stdout" 2>&1 < /dev/null &
    echo $! > "$DASH_DIR/drs.pid"
    wait_port "$DRS_PORT" 60
}

start() {
    [ -f "$CLOUD_JSON" ] || { echo "no test cloud at $CLOUD_DIR (tools/testcloud/testcloud up)" >&2; exit 1; }
    ensure_dashboard_venv
    mkdir -p "$DASH_DIR"
    local drs_url=${DRS_URL:-}
    if [ -z "$drs_url" ]; then
        ensure_venv
        start_drs
        drs_url=http://127.0.0.1:$DRS_PORT
    fi
    say "registering the dr endpoints in Keystone and the sites in drs (if missing)"
    local override
    override=$("$DPY" -m drs_dashboard.devserver.cloud_setup "$CLOUD_JSON" "$drs_url" \
        "http://127.0.0.1:$DRS_PORT")
    [ -n "$override" ] && say "the catalog's dr endpoint is another drs: this dashboard uses $override"
    write_settings "$drs_url" "$override"
    ensure_static
    say "starting Horizon on http://127.0.0.1:$PORT (log $DASH_DIR/horizon.log)"
    DRS_DASHBOARD_SETTINGS=$DASH_DIR/settings.py \
        DJANGO_SETTINGS_MODULE=openstack_dashboard.settings \
        setsid "$DPY" -m django runserver --noreload "127.0.0.1:$PORT" \
        > "$DASH_DIR/runserver.log" 2>&1 < /dev/null &
    echo $! > "$DASH_DIR/horizon.pid"
    wait_port "$PORT" 60
    echo "http://127.0.0.1:$PORT" > "$DASH_DIR/url"
    say "dashboard: http://127.0.0.1:$PORT  (log in as tenant1-member; passwords in $CLOUD_JSON)"
}

stop() {
    local name pid
    for name in horizon drs; do
        [ -f "$DASH_DIR/$name.pid" ] || continue
        pid=$(cat "$DASH_DIR/$name.pid")
        # Started with setsid: the pid leads its own process group.
        kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$pid" 2>/dev/null || true
        rm -f "$DASH_DIR/$name.pid"
    done
}

case $CMD in
    setup) ensure_dashboard_venv ;;
    start) start ;;
    stop) stop ;;
    serve)
        trap stop EXIT
        start
        say "Ctrl-C stops it"
        while kill -0 "$(cat "$DASH_DIR/horizon.pid")" 2>/dev/null; do sleep 2; done ;;
    *) echo "usage: $0 [serve|start|stop|setup]" >&2; exit 2 ;;
esac
