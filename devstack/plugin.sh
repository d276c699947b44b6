#!/bin/bash
# devstack plugin for drs: enable it in local.conf with
#   enable_plugin drs https://opendev.org/openstack/drs

function install_drs {
    setup_develop $DRS_DIR
}

function configure_drs {
    sudo install -d -o $STACK_USER $DRS_CONF_DIR
    iniset $DRS_CONF DEFAULT debug $ENABLE_DEBUG_LOG_LEVEL
    iniset $DRS_CONF DEFAULT transport_url $(get_transport_url)
    iniset $DRS_CONF database connection $(database_connection_url drs)
    iniset $DRS_CONF api port $DRS_SERVICE_PORT
    iniset $DRS_CONF engine workers $DRS_ENGINE_WORKERS
    if [[ -n "$DRS_JOBBOARD_URL" ]]; then
        iniset $DRS_CONF engine jobboard_backend_url $DRS_JOBBOARD_URL
    fi
    configure_keystone_authtoken_middleware $DRS_CONF drs
    write_uwsgi_config "$DRS_UWSGI_CONF" "$DRS_UWSGI" "/dr" "" "drs-api"
}

function create_drs_accounts {
    create_service_user "drs" "admin"
    get_or_create_service "drs" "dr" "Disaster Recovery Service"
    get_or_create_endpoint "dr" "$REGION_NAME" \
        "$(get_service_protocol)://$SERVICE_HOST/dr"
}

function init_drs {
    recreate_database drs
    $DRS_BIN_DIR/drs-manage --config-file $DRS_CONF db sync
}

function start_drs {
    run_process drs-api "$(which uwsgi) --procname-prefix drs --ini $DRS_UWSGI_CONF" "" "" "OS_DRS_CONFIG_FILES=$DRS_CONF"
    run_process drs-engine "$DRS_BIN_DIR/drs-engine --config-file $DRS_CONF"
}

function stop_drs {
    stop_process drs-api
    stop_process drs-engine
    remove_uwsgi_config "$DRS_UWSGI_CONF" "drs-api"
}

DRS_BIN_DIR=$(get_python_exec_prefix)

if is_service_enabled drs-api drs-engine; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        install_drs
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        configure_drs
        create_drs_accounts
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        init_drs
        start_drs
    fi
    if [[ "$1" == "unstack" ]]; then
        stop_drs
    fi
fi
