"""OpenStackClient plugin of drs: ``openstack dr ...``.

Registered as ``dr = drsclient.osc.plugin`` in ``openstack.cli.extension``;
the commands are the ``openstack.dr.v1`` entry points.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from osc_lib import utils

LOG = logging.getLogger(__name__)

DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_dr_api_version'
API_NAME = 'dr'
API_VERSIONS = {
    '1': 'drsclient.client.Client',
}


def make_client(instance: Any) -> Any:
    """The drs client of an OpenStackClient ClientManager."""
    from drsclient import client

    requested = instance._api_version[API_NAME]
    LOG.debug('Instantiating the drs client (API version %s)', requested)
    # --os-dr-endpoint-override (or OS_DR_ENDPOINT_OVERRIDE, also with
    # OS_CLOUD set), else dr_endpoint_override in clouds.yaml.
    config = instance.get_configuration()
    return client.Client(
        session=instance.session,
        endpoint_override=config.get('dr_endpoint_override') or None,
        region_name=instance.region_name,
        interface=instance.interface,
        api_version='latest' if requested == '1' else requested,
    )


def build_option_parser(parser: argparse.ArgumentParser
                        ) -> argparse.ArgumentParser:
    """The global options of the plugin."""
    parser.add_argument(
        '--os-dr-api-version',
        metavar='<dr-api-version>',
        default=utils.env('OS_DR_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='drs API version: 1 (the newest 1.N both sides support) or '
             '1.N (Env: OS_DR_API_VERSION, default: %s)'
             % DEFAULT_API_VERSION)
    # openstacksdk reads OS_* variables only when no cloud is named
    # (OS_CLOUD / --os-cloud picks a clouds.yaml entry and ignores them),
    # so the variable is the default of an option: the option's value
    # goes into the cloud's configuration as dr_endpoint_override.
    parser.add_argument(
        '--os-dr-endpoint-override',
        metavar='<url>',
        default=utils.env('OS_DR_ENDPOINT_OVERRIDE'),
        help='URL of the drs API, instead of the service catalog\'s "dr" '
             'endpoint (Env: OS_DR_ENDPOINT_OVERRIDE; clouds.yaml: '
             'dr_endpoint_override)')
    return parser


def check_api_version(check_version: str) -> bool:
    """Accept '1' (the newest both sides support) and '1.N'.

    Returns True: the version need not be a key of API_VERSIONS.
    """
    from osc_lib import exceptions

    if check_version == '1':
        return True
    from drsclient import client
    try:
        client.parse_version(check_version)
    except Exception:
        raise exceptions.CommandError(
            'invalid drs API version %r: expected 1 or 1.N'
            % check_version)
    return True
