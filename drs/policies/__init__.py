"""Policy in code: one module per resource."""

import itertools

from drs.policies import base
from drs.policies import operation
from drs.policies import plan
from drs.policies import site


def list_rules():
    return itertools.chain(
        base.list_rules(),
        site.list_rules(),
        plan.list_rules(),
        operation.list_rules(),
    )
