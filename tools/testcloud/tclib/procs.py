"""Start, track and stop the test cloud's processes.

Every process is started in its own session (so it leads a process group
holding its workers, e.g. uWSGI's) with stdout/stderr in log/<name>.log, and
recorded in run/<name>.json.  Stopping uses only those recorded pids: TERM to
the group, then KILL after a timeout.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


class Proc:
    def __init__(self, state, name):
        self.state = state
        self.name = name
        self.record_path = os.path.join(state.run, name + '.json')
        self.log_path = os.path.join(state.log, name + '.log')

    def record(self):
        try:
            with open(self.record_path) as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return None

    def pid(self):
        rec = self.record()
        return rec and rec['pid']

    def alive(self):
        """True if the recorded pid runs and is the process we started."""
        rec = self.record()
        if not rec:
            return False
        try:
            with open('/proc/%d/stat' % rec['pid']) as f:
                stat = f.read()
        except FileNotFoundError:
            return False
        # field 22 = start time in clock ticks; guards against pid reuse
        fields = stat[stat.rindex(')') + 2:].split()
        if fields[0] == 'Z':
            return False
        return int(fields[19]) == rec.get('starttime')

    def start(self, argv, env=None, cwd=None, **info):
        os.makedirs(self.state.run, exist_ok=True)
        os.makedirs(self.state.log, exist_ok=True)
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(self.log_path, 'ab') as log:
            log.write(('\n==== %s starting: %s\n' % (
                time.strftime('%Y-%m-%d %H:%M:%S'), ' '.join(argv))).encode())
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, env=full_env,
                                 cwd=cwd or self.state.root,
                                 start_new_session=True)
        with open('/proc/%d/stat' % p.pid) as f:
            stat = f.read()
        starttime = int(stat[stat.rindex(')') + 2:].split()[19])
        rec = dict(info, name=self.name, pid=p.pid, starttime=starttime,
                   argv=argv, started_at=time.time(), log=self.log_path)
        with open(self.record_path, 'w') as f:
            json.dump(rec, f, indent=1)
        return p.pid

    def signal_group(self, sig):
        pid = self.pid()
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(pid, sig)

    def stop(self, timeout=30):
        if self.alive():
            self.signal_group(signal.SIGTERM)
            deadline = time.time() + timeout
            while self.alive() and time.time() < deadline:
                time.sleep(0.2)
            if self.alive():
                self.signal_group(signal.SIGKILL)
                time.sleep(0.2)
        # Workers of the group that outlived their leader.
        pid = self.pid()
        if pid and _group_members(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if os.path.exists(self.record_path):
            os.unlink(self.record_path)

    def rss_kb(self):
        """Resident memory of the process group (current, peak) in KiB."""
        pid = self.pid()
        cur = peak = 0
        for member in _group_members(pid) if pid else []:
            try:
                with open('/proc/%d/status' % member) as f:
                    for line in f:
                        if line.startswith('VmRSS:'):
                            cur += int(line.split()[1])
                        elif line.startswith('VmHWM:'):
                            peak += int(line.split()[1])
            except FileNotFoundError:
                pass
        return cur, peak


def _group_members(pgid):
    members = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                stat = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = stat[stat.rindex(')') + 2:].split()
        if int(fields[2]) == pgid and fields[0] != 'Z':
            members.append(int(entry))
    return members


# ------------------------------------------------------------ waiting
class Timeout(Exception):
    pass


def wait_for(what, check, timeout, interval=0.25, proc=None):
    """Poll ``check()`` until it returns a true value, at most ``timeout`` s.

    If ``proc`` dies meanwhile, fail at once with the tail of its log.
    """
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as e:    # noqa: BLE001 - reported on timeout
            last = e
        if proc is not None and not proc.alive():
            raise Timeout('%s: process %s died; log tail:\n%s' % (
                what, proc.name, tail(proc.log_path, 30)))
        time.sleep(interval)
    raise Timeout('%s: not ready after %ss (last error: %r)%s' % (
        what, timeout, last, '; log tail:\n' + tail(proc.log_path, 30)
        if proc else ''))


def port_open(port, host='127.0.0.1'):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def http_status(url, timeout=5):
    """HTTP status of a GET, or None if nothing answers."""
    # http:// URLs built from constants
    req = urllib.request.Request(  # noqa: S310
        url, headers={'Connection': 'close'})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def http_ready(url):
    """Any answer but a uWSGI 'no application' 500 (or 502/503) counts."""
    code = http_status(url)
    return code is not None and code not in (500, 502, 503)


def tail(path, lines=40):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 200 * lines))
            data = f.read().decode('utf-8', 'replace')
    except FileNotFoundError:
        return '(no log %s)' % path
    return '\n'.join(data.splitlines()[-lines:])
