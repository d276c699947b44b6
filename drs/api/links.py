"""Links in responses: self and next."""

import urllib.parse

from oslo_config import cfg
import pecan

CONF = cfg.CONF


def base_url() -> str:
    return (CONF.api.public_endpoint or pecan.request.application_url
            ).rstrip('/')


def self_link(*parts: str) -> dict:
    return {'rel': 'self', 'href': '/'.join((base_url(),) + parts)}


def collection_links(items: list[dict], limit: int) -> list[dict]:
    """A ``next`` link when the page is full."""
    if not items or len(items) < limit:
        return []
    params = [(k, v) for k, v in pecan.request.GET.items()
              if k not in ('marker', 'limit')]
    params += [('limit', str(limit)), ('marker', items[-1]['id'])]
    href = '%s%s?%s' % (base_url(), pecan.request.path_info,
                        urllib.parse.urlencode(params))
    return [{'rel': 'next', 'href': href}]
