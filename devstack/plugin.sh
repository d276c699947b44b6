#!/bin/bash
#
# devstack/plugin.sh - devstack plugin of drs, the Disaster Recovery Service.
#
# Enable it in local.conf (see devstack/README.rst):
#
#   [[local|localrc]]
#   enable_plugin drs https://opendev.org/openstack/drs
#
# devstack sources this file as ``plugin.sh <mode> [phase]``; it calls
#
#   stack install      install_drs, install_drs_dashboard
#   stack post-config  configure_drs, create_drs_accounts
#   stack extra        init_drs, start_drs
#   stack test-config  configure_tempest_for_drs
#   unstack            stop_drs
#   clean              cleanup_drs, cleanup_drs_dashboard
#
# Services: drs-api (uWSGI, proxied by the web server at /dr), drs-engine
# and the opt-in drs-dashboard (drs's Horizon panels).

# Save trace setting
_XTRACE_DRS=$(set +o | grep xtrace)
set -o xtrace

DRS_BIN_DIR=$(get_python_exec_prefix)

# The catalog URL of the API; computed when used, as devstack may switch
# SERVICE_PROTOCOL to https (tls-proxy) after the settings are read.
function drs_service_url {
    echo "$SERVICE_PROTOCOL://$SERVICE_HOST/dr"
}

# Horizon's directory of enabled dashboard files.
function _drs_horizon_enabled_dir {
    echo "$HORIZON_DIR/openstack_dashboard/local/enabled"
}

# install_drs - install drs and its requirements from $DRS_DIR
function install_drs {
    setup_develop "$DRS_DIR"
}

# configure_drs - write $DRS_CONF and the uWSGI configuration of drs-api
function configure_drs {
    sudo install -d -o "$STACK_USER" "$DRS_CONF_DIR"
    # Written afresh: a value left from an earlier stack would linger.
    rm -f "$DRS_CONF"

    iniset "$DRS_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    setup_logging "$DRS_CONF"

    # drs-api and drs-engine talk over RPC: they need the broker.
    local transport_url
    transport_url=$(get_transport_url)
    if [[ -z "$transport_url" ]]; then
        die $LINENO "drs-api and drs-engine need a message broker:" \
            "enable rabbit (or set RABBIT_HOST and RABBIT_PASSWORD)"
    fi
    iniset "$DRS_CONF" DEFAULT transport_url "$transport_url"

    iniset "$DRS_CONF" database connection "$(database_connection_url drs)"

    # Links in responses use the catalog URL (the API sits under /dr).
    iniset "$DRS_CONF" api public_endpoint "$(drs_service_url)"
    iniset "$DRS_CONF" api auth_strategy keystone

    iniset "$DRS_CONF" engine workers "$DRS_ENGINE_WORKERS"
    if [[ -n "$DRS_JOBBOARD_URL" ]]; then
        iniset "$DRS_CONF" engine jobboard_backend_url "$DRS_JOBBOARD_URL"
    fi

    # Token validation of API callers.
    configure_keystone_authtoken_middleware "$DRS_CONF" "$DRS_SERVICE_USER"
    # drs's own credentials ([service_auth], keystoneauth options): the
    # trustee of the Keystone trust of every plan. Without them plans get
    # no trust and drs can protect nothing. devstack's keystoneauth helper
    # where it has one; else its auth_token helper, which writes the same
    # options into the section it is given.
    if function_exists configure_keystoneauth; then
        configure_keystoneauth "$DRS_CONF" "$DRS_SERVICE_USER" service_auth
    else
        configure_keystone_authtoken_middleware "$DRS_CONF" \
            "$DRS_SERVICE_USER" service_auth
    fi
    # drs also reaches the other site's Keystone: a CA file that devstack
    # did not make (no tls-proxy) would fail every https request there.
    if [[ ! -f "$SSL_BUNDLE_FILE" ]]; then
        inidelete "$DRS_CONF" service_auth cafile
    fi

    if is_service_enabled drs-api; then
        # drs-api under uWSGI; the web server proxies /dr to its socket.
        write_uwsgi_config "$DRS_UWSGI_CONF" "$DRS_UWSGI" "/dr" "" "drs-api"
        # The API's configuration file, read by drs.wsgi.api (set in
        # uWSGI's own configuration, not in the systemd unit).
        iniset "$DRS_UWSGI_CONF" uwsgi env "OS_DRS_CONFIG_FILES=$DRS_CONF"
    fi
}

# create_drs_accounts - drs's service user, the dr service and its endpoint
function create_drs_accounts {
    create_service_user "$DRS_SERVICE_USER" "admin"
    if is_service_enabled drs-api; then
        get_or_create_service "drs" "dr" "Disaster Recovery Service"
        get_or_create_endpoint "dr" "$REGION_NAME" "$(drs_service_url)"
    fi
}

# init_drs - (re)create the database and its schema
function init_drs {
    recreate_database drs
    "$DRS_BIN_DIR/drs-manage" --config-file "$DRS_CONF" db sync
}

# start_drs - start drs-api and drs-engine, wait for the API to answer
function start_drs {
    run_process drs-api "$(which uwsgi) --procname-prefix drs --ini $DRS_UWSGI_CONF"
    run_process drs-engine "$DRS_BIN_DIR/drs-engine --config-file $DRS_CONF"

    if is_service_enabled drs-api; then
        echo "Waiting for drs-api to start..."
        if ! wait_for_service "$SERVICE_TIMEOUT" "$(drs_service_url)"; then
            die $LINENO "drs-api did not start"
        fi
    fi
}

# stop_drs - stop the drs processes
function stop_drs {
    local service
    for service in drs-engine drs-api; do
        stop_process "$service"
    done
}

# cleanup_drs - remove what stack made: the configuration and the web
# server's site file of drs-api
function cleanup_drs {
    remove_uwsgi_config "$DRS_UWSGI_CONF" "drs-api"
    sudo rm -f "$(apache_site_config_for drs-api)"
    if [[ -n "$DRS_CONF_DIR" ]]; then
        sudo rm -rf "$DRS_CONF_DIR"
    fi
}

# install_drs_dashboard - copy the Horizon enabled files of drs_dashboard
function install_drs_dashboard {
    local enabled_dir
    enabled_dir=$(_drs_horizon_enabled_dir)
    local copied=0
    local file
    for file in "$DRS_DIR"/drs_dashboard/enabled/_90*_*.py; do
        [[ -f "$file" ]] || continue
        cp "$file" "$enabled_dir/"
        copied=$((copied + 1))
    done
    if [[ $copied -eq 0 ]]; then
        warn $LINENO "drs-dashboard: no enabled files in $DRS_DIR/drs_dashboard/enabled"
    fi
}

# cleanup_drs_dashboard - remove the enabled files install copied
function cleanup_drs_dashboard {
    local enabled_dir
    enabled_dir=$(_drs_horizon_enabled_dir)
    local file name
    for file in "$DRS_DIR"/drs_dashboard/enabled/_90*_*.py; do
        [[ -f "$file" ]] || continue
        name=$(basename "$file")
        rm -f "$enabled_dir/$name" "$enabled_dir"/__pycache__/"${name%.py}".*.pyc
    done
}

# configure_tempest_for_drs - tell tempest plugins that drs is there
function configure_tempest_for_drs {
    if is_service_enabled tempest; then
        iniset "$TEMPEST_CONFIG" service_available drs True
    fi
}

function _drs_dashboard_enabled {
    is_service_enabled horizon && is_service_enabled drs-dashboard
}

if is_service_enabled drs-api drs-engine drs-dashboard; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing drs"
        install_drs
        if _drs_dashboard_enabled; then
            echo_summary "Installing drs-dashboard"
            install_drs_dashboard
        fi
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        if is_service_enabled drs-api drs-engine; then
            echo_summary "Configuring drs"
            configure_drs
            if is_service_enabled keystone; then
                create_drs_accounts
            fi
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        if is_service_enabled drs-api drs-engine; then
            echo_summary "Initializing and starting drs"
            init_drs
            start_drs
        fi
    elif [[ "$1" == "stack" && "$2" == "test-config" ]]; then
        configure_tempest_for_drs
    fi

    if [[ "$1" == "unstack" ]]; then
        echo_summary "Stopping drs"
        stop_drs
    fi

    if [[ "$1" == "clean" ]]; then
        # clean.sh has run unstack.sh first.
        echo_summary "Cleaning drs"
        cleanup_drs
        # Also when drs-dashboard was disabled since it was installed.
        if [[ -n "$HORIZON_DIR" && -d "$(_drs_horizon_enabled_dir)" ]]; then
            cleanup_drs_dashboard
        fi
    fi
fi

# Restore xtrace
$_XTRACE_DRS
