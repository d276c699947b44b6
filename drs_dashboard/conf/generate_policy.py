"""Write drs's default policy as the YAML files Horizon reads.

Horizon checks a panel's actions against the service's policy: the
defaults (``DEFAULT_POLICY_FILES['dr']``, Horizon's list-of-rules format:
``dr_default_policy.yaml``) and the deployment's rules
(``POLICY_FILES['dr']``: ``dr_policy.yaml``, drs's own policy.yaml
format). Both are made from drs's policy-in-code (``drs.policies``), so
the dashboard offers exactly what the API allows by default.
``python -m drs_dashboard.conf.generate_policy`` rewrites them; a unit
test fails when they are stale. An operator with a custom drs policy
points ``POLICY_FILES['dr']`` at a copy of theirs.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, 'dr_policy.yaml')
DEFAULTS_PATH = os.path.join(HERE, 'dr_default_policy.yaml')
HEADER = ('# drs default policy for Horizon, generated from drs.policies by\n'
          '# python -m drs_dashboard.conf.generate_policy: do not edit.\n')


def render() -> str:
    from drs import policies
    lines = [HEADER]
    for rule in policies.list_rules():
        lines.append('"%s": "%s"\n' % (rule.name, rule.check_str))
    return ''.join(lines)


def render_defaults() -> str:
    import yaml
    from drs import policies
    rules = [{'name': r.name, 'check_str': r.check_str,
              'description': r.description,
              'scope_types': getattr(r, 'scope_types', None),
              'operations': getattr(r, 'operations', [])}
             for r in policies.list_rules()]
    return HEADER + yaml.safe_dump(rules, default_flow_style=False,
                                   sort_keys=True)


def main() -> int:
    for path, text in ((PATH, render()), (DEFAULTS_PATH, render_defaults())):
        with open(path, 'w') as f:
            f.write(text)
        print(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
