#!/usr/bin/python3
"""Read and write the bytes of an RBD image (the ``ceph`` profile's guest I/O).

The fake virt driver runs no guest; this stands in for one: it writes into
a Cinder volume's image at one site and reads the mirrored image at the
other.  Runs with Debian's ``/usr/bin/python3`` (python3-rados/python3-rbd)
and nothing else.  A non-primary (mirrored) image refuses writes and is
opened read-only for reads.

    rbd_io.py --conf C --pool volumes write IMAGE OFFSET HEXDATA
    rbd_io.py --conf C --pool volumes read IMAGE OFFSET LENGTH   # hex out
    rbd_io.py --conf C --pool volumes sha256 IMAGE [LENGTH]      # hex out
"""
import argparse
import binascii
import hashlib
import sys

import rados
import rbd


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--conf', required=True)
    p.add_argument('--id', default='admin')
    p.add_argument('--pool', default='volumes')
    p.add_argument('--snap', default=None)
    p.add_argument('op', choices=('write', 'read', 'sha256'))
    p.add_argument('image')
    p.add_argument('args', nargs='*')
    a = p.parse_args(argv)
    cluster = rados.Rados(conffile=a.conf, rados_id=a.id)
    cluster.connect(timeout=20)
    try:
        with cluster.open_ioctx(a.pool) as ioctx:
            if a.op == 'write':
                offset, data = int(a.args[0]), binascii.unhexlify(a.args[1])
                with rbd.Image(ioctx, a.image) as img:
                    img.write(data, offset)
                    img.flush()
                return 0
            with rbd.Image(ioctx, a.image, snapshot=a.snap,
                           read_only=True) as img:
                if a.op == 'read':
                    data = img.read(int(a.args[0]), int(a.args[1]))
                    print(binascii.hexlify(data).decode())
                else:
                    length = int(a.args[0]) if a.args else img.size()
                    h, off = hashlib.sha256(), 0
                    while off < length:
                        n = min(4 << 20, length - off)
                        h.update(img.read(off, n))
                        off += n
                    print(h.hexdigest())
    finally:
        cluster.shutdown()
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (rbd.Error, rados.Error) as e:
        print('rbd_io: %s: %s' % (type(e).__name__, e), file=sys.stderr)
        sys.exit(2)
