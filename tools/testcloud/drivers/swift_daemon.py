"""Run a Swift daemon (the container-sync daemon) with a private swift_dir.

Swift daemons read /etc/swift/swift.conf (hash prefix/suffix, policies) unless
``set_swift_dir`` is called before they load, and swift-container-sync has no
option for that.  Usage::

    python swift_daemon.py SWIFT_DIR CONF_FILE container-sync
"""
import sys

from swift.common import utils


def main():
    swift_dir, conf_file, name = sys.argv[1:4]
    utils.set_swift_dir(swift_dir)
    from swift.common.daemon import run_daemon
    if name == 'container-sync':
        from swift.container.sync import ContainerSync as daemon
    else:
        raise SystemExit('unknown daemon %s' % name)
    run_daemon(daemon, conf_file, once=False, verbose=True)


if __name__ == '__main__':
    main()
