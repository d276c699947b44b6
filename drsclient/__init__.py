"""Python client and ``openstack dr`` CLI plugin of drs.

Other tools import :class:`drsclient.client.Client`::

    from keystoneauth1 import session
    from drsclient import client

    dr = client.Client(session=session.Session(auth=auth))
    for plan in dr.plans.list():
        print(plan['name'], plan['status'])
"""
