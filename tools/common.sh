# Shared by tools/demo.sh and tools/test.sh: make this machine ready for
# drs. Sourced, not run. Idempotent: a second run only checks.
#
#   DRS_VENV   the virtualenv drs runs from (default: .venv in the tree)

DRS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRS_VENV=${DRS_VENV:-$DRS_TOP/.venv}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

_apt_updated=0
apt_install() {  # apt_install PKG... : install the ones that are missing
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]} (apt)"
    if [ $_apt_updated = 0 ]; then apt-get update -qq; _apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
}

wait_port() {  # wait_port PORT SECONDS
    local i
    for i in $(seq 1 $(( $2 * 5 ))); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "nothing listens on 127.0.0.1:$1 after $2 s" >&2
    return 1
}

ensure_services() {  # the database servers, broker and Redis drs uses
    apt_install python3-venv python3-dev gcc curl postgresql mariadb-server \
        rabbitmq-server redis-server
    if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
        say "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    fi
    if ! (exec 3<>/dev/tcp/127.0.0.1/3306) 2>/dev/null; then
        say "starting MariaDB"
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    fi
    if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
        say "starting RabbitMQ"
        rabbitmq-server -detached
    fi
    if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
        say "starting Redis"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 \
            --save "" --appendonly no --dir /var/lib/redis \
            --logfile /var/log/redis/ci.log
    fi
    wait_port 5432 60 && wait_port 3306 60 && wait_port 5672 120 \
        && wait_port 6379 30
    # Trust on loopback as the tests expect (a fresh Debian cluster asks
    # for passwords); only where nothing says so yet.
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | head -1)
    if [ -n "$hba" ] && ! psql -h 127.0.0.1 -U postgres -c 'select 1' \
            >/dev/null 2>&1; then
        say "PostgreSQL: trust for 127.0.0.1 ($hba)"
        sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main reload
    fi
}

ensure_venv() {  # drs and its pinned dependencies, in $DRS_VENV
    local stamp=$DRS_VENV/.drs-installed want
    want=$(cat "$DRS_TOP/upper-constraints.txt" "$DRS_TOP/requirements.txt" \
        "$DRS_TOP/test-requirements.txt" "$DRS_TOP/doc/requirements.txt" \
        "$DRS_TOP/setup.cfg" | sha1sum | cut -c1-40)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    say "installing drs and its pinned dependencies into $DRS_VENV"
    [ -x "$DRS_VENV/bin/python" ] || python3 -m venv "$DRS_VENV"
    "$DRS_VENV/bin/pip" install -q -U pip
    "$DRS_VENV/bin/pip" install -q -c "$DRS_TOP/upper-constraints.txt" \
        -r "$DRS_TOP/requirements.txt" -r "$DRS_TOP/test-requirements.txt" \
        -r "$DRS_TOP/doc/requirements.txt"
    "$DRS_VENV/bin/pip" install -q --no-deps -e "$DRS_TOP"
    echo "$want" > "$stamp"
}

ensure_mod_wsgi() {  # Apache, and mod_wsgi built for $DRS_VENV's Python
    # apache2-bin, not apache2: no system Apache service is installed or
    # started; the tests run their own on 127.0.0.1.
    apt_install apache2-bin apache2-dev
    local want have
    want=$(sed -n 's/^mod_wsgi==//p' "$DRS_TOP/upper-constraints.txt")
    have=$("$DRS_VENV/bin/python" -c 'import importlib.metadata as m
print(m.version("mod_wsgi"))' 2>/dev/null || true)
    [ -n "$want" ] && [ "$have" = "$want" ] && return 0
    say "building mod_wsgi $want into $DRS_VENV (against Apache's apxs)"
    "$DRS_VENV/bin/pip" install -q -c "$DRS_TOP/upper-constraints.txt" \
        mod_wsgi
}
