from drs.conf import opts


def test_list_opts_covers_every_group():
    groups = {str(group) for group, _ in opts.list_opts()}
    assert {'DEFAULT', 'api', 'engine'} <= groups
    for _, options in opts.list_opts():
        for opt in options:
            assert opt.help, opt.name
