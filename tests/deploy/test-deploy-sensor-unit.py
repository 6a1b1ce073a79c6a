# SPDX-License-Identifier: Apache-2.0
"""The sensor's unit (mamori-sensor@.service, as installed with cmake
--install --prefix DIR) run as systemd would run mamori-sensor@lo: its
ExecStart options (state and log directories moved under DIR, made as
StateDirectory= and LogsDirectory= make them), as an unprivileged user with
exactly the unit's capabilities (AmbientCapabilities, CapabilityBoundingSet,
NoNewPrivileges), through setpriv. Live capture on lo opens with
CAP_NET_RAW alone, the unit's ExecReload (SIGHUP) loads a feed downloaded
into the intel folder, SIGTERM stops it with exit 0 and a final stats
record (no packet is sent: the record is written also when none was seen);
without the capability the capture does not open (exit 1). The user nobody
stands in for mamori-sensor, which this machine need not have. Needs root
(to change user and hand over a capability) and setpriv (util-linux): else
it is skipped, saying so."""

import os
import pwd
import shutil
import signal
import subprocess
import time

from deploylib import check, fail, install, read_unit, remove, skip, tmpdir, unit_values


def service(unit, key):
    return unit_values(unit, "Service", key)[0]


def command(prefix, unit):
    args = []
    for a in service(unit, "ExecStart").split():
        a = a.replace("%I", "lo").replace("%i", "lo")
        a = a.replace("/var/lib/", prefix + "/var/lib/").replace("/var/log/", prefix + "/var/log/")
        args.append(a)
    return args


def make_dirs(prefix, unit, user):
    """StateDirectory= and LogsDirectory=, owned by the user, as systemd makes them."""
    for key, base in (("StateDirectory", "var/lib"), ("LogsDirectory", "var/log")):
        d = os.path.join(prefix, base, service(unit, key).replace("%I", "lo"))
        os.makedirs(d)
        os.chown(d, user.pw_uid, user.pw_gid)
        os.chmod(d, int(service(unit, key + "Mode"), 8))


def setpriv(unit, user, caps):
    """setpriv's options for the unit's user and capabilities."""
    bounding = service(unit, "CapabilityBoundingSet").split()
    check(service(unit, "NoNewPrivileges") == "yes", "the sensor's unit lets it gain privileges")
    names = ",".join("+" + c[len("CAP_"):].lower() for c in caps)
    opts = ["setpriv", "--reuid=%d" % user.pw_uid, "--regid=%d" % user.pw_gid, "--clear-groups",
            "--no-new-privs",
            "--bounding-set=-all," + ",".join("+" + c[4:].lower() for c in bounding)]
    if caps:
        opts += ["--inh-caps=" + names, "--ambient-caps=" + names]
    return opts


def wait_for(path, text, proc, what):
    deadline = time.time() + 30
    while text not in open(path).read():
        if proc.poll() is not None or time.time() > deadline:
            fail("%s: not seen (exit %s): %s" % (what, proc.poll(), open(path).read()))
        time.sleep(0.05)


def run_live(prefix, unit, user, intel):
    args = command(prefix, unit)
    caps = service(unit, "AmbientCapabilities").split()
    check(caps == ["CAP_NET_RAW"], "the sensor's unit gives %r, not CAP_NET_RAW alone" % caps)
    log_path = os.path.join(prefix, "sensor.log")
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(setpriv(unit, user, caps) + args, stdout=log, stderr=log)
        try:
            time.sleep(1.0)
            check(proc.poll() is None, "the sensor's unit exited %s: %s" % (
                proc.poll(), open(log_path).read()))
            # a feed downloaded beside, then renamed into place, settled
            part = os.path.join(intel, ".feed.txt.part")
            with open(part, "w") as f:
                f.write("203.0.113.9\n")
            os.rename(part, os.path.join(intel, "feed.txt"))
            os.kill(proc.pid, signal.SIGHUP)  # ExecReload
            wait_for(log_path, "intel reloaded: 1 indicators", proc, "reload of the feed")
        finally:
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=60)
    check(rc == 0, "the sensor exited %d after SIGTERM: %s" % (rc, open(log_path).read()))
    eve = os.path.join(prefix, "var/log/mamori-sensor/lo/eve.json")
    with open(eve) as f:
        check('"event_type":"stats"' in f.read(), "no stats record in %s (%d bytes); the sensor said: %s" % (
            eve, os.path.getsize(eve), open(log_path).read()))


def run_without_caps(prefix, unit, user):
    p = subprocess.run(setpriv(unit, user, []) + command(prefix, unit), capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 1, "without CAP_NET_RAW: exit %d, not 1: %s" % (p.returncode, p.stderr))


def main():
    if os.geteuid() != 0:
        skip("test-deploy-sensor-unit needs root, to run the sensor as another user with "
             "the unit's capability")
    if not shutil.which("setpriv"):
        skip("test-deploy-sensor-unit needs setpriv (util-linux) to apply the unit's "
             "user and capabilities")
    tmp = tmpdir("sensor-unit")
    try:
        prefix = os.path.join(tmp, "prefix")
        install(prefix=prefix)
        os.chmod(tmp, 0o755)
        unit = read_unit(os.path.join(prefix, "lib/systemd/system/mamori-sensor@.service"))
        user = pwd.getpwnam("nobody")
        make_dirs(prefix, unit, user)
        run_live(prefix, unit, user, os.path.join(prefix, "etc/mamori/intel"))
        run_without_caps(prefix, unit, user)
    finally:
        remove(tmp)
    print("ok")


if __name__ == "__main__":
    main()
