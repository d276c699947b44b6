"""Per-site option sections: ``[<group>:<site name>]`` or
``[<group>:<region name>]`` (the site name wins), an option a site section
leaves unset falling back to ``[<group>]``.

Used by the groups whose values differ per site: a site's Ceph cluster
(``[rbd_replication:<site>]``) and its RGW zone (``[rgw:<site>]``).
"""

from collections.abc import Sequence

from oslo_config import cfg


def register_site(conf: cfg.ConfigOpts, group: str,
                  site_opts: Sequence[cfg.Opt], key: str) -> str:
    """Register ``[<group>:<key>]`` with ``site_opts``; its name."""
    name = '%s:%s' % (group, key)
    if name not in conf:
        conf.register_group(cfg.OptGroup(name))
        conf.register_opts(site_opts, group=name)
    return name


def site_options(conf: cfg.ConfigOpts, group: str,
                 site_opts: Sequence[cfg.Opt],
                 common_opts: Sequence[cfg.Opt], site: dict) -> dict:
    """The options of ``site`` (a dict with ``name``/``region_name``): its
    section's values, the ``[<group>]`` ones where it sets none, plus the
    group-wide ``common_opts``."""
    sections = [k for k in (site.get('name'), site.get('region_name')) if k]
    groups = [register_site(conf, group, site_opts, k) for k in sections]
    out: dict = {}
    for opt in site_opts:
        value = None
        for g in groups:
            value = conf[g][opt.dest]
            if value is not None:
                break
        out[opt.dest] = value if value is not None else conf[group][opt.dest]
    for common in common_opts:
        out.setdefault(common.dest, conf[group][common.dest])
    return out
