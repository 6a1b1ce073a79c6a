# SPDX-License-Identifier: Apache-2.0
"""The systemd units as installed (cmake --install --prefix DIR): systemd's
own check (systemd-analyze verify: keys, paths, the programs and man pages
they name) finds nothing to say, when it is on this machine; every unit
runs the installed program as a user the installed sysusers.d file
creates, reloads with SIGHUP, and has the hardening the deployment guide
promises (the centre: no capabilities, a read-only system but its data
directory, LimitNOFILE past the centre's 3 files per connection + 64; the
sensor: CAP_NET_RAW only); and the centre started with its unit's
ExecStart options (data directory moved under DIR) serves, reloads on the
unit's ExecReload and stops with exit 0. The sensor's unit is run by
test-deploy-sensor-unit (it needs root)."""

import os
import re
import shutil
import signal
import subprocess
import time

from deploylib import check, fail, install, man_built, read_unit, remove, tmpdir, unit_values

CENTRE_HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                    "PrivateTmp": "yes", "CapabilityBoundingSet": "", "StateDirectory":
                    "mamori-center"}
SENSOR_HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                    "PrivateTmp": "yes", "CapabilityBoundingSet": "CAP_NET_RAW",
                    "AmbientCapabilities": "CAP_NET_RAW", "StateDirectory": "mamori-sensor/%I"}


def one(unit, key, name):
    v = unit_values(unit, "Service", key)
    check(len(v) == 1, "%s: [Service] %s given %d times" % (name, key, len(v)))
    return v[0]


def check_unit(prefix, name, program, hardening, users):
    unit = read_unit(os.path.join(prefix, "lib/systemd/system", name))
    start = one(unit, "ExecStart", name).split()
    check(start[0] == os.path.join(prefix, "sbin", program),
          "%s: ExecStart runs %s, not the installed %s" % (name, start[0], program))
    check(one(unit, "ExecReload", name) == "/bin/kill -HUP $MAINPID",
          "%s: ExecReload is not SIGHUP" % name)
    user = one(unit, "User", name)
    check(user in users, "%s: User=%s is not created by sysusers.d/mamori.conf" % (name, user))
    for key, want in hardening.items():
        check(one(unit, key, name) == want, "%s: %s is not %r" % (name, key, want))
    check(unit_values(unit, "Install", "WantedBy") == ["multi-user.target"],
          "%s: not wanted by multi-user.target" % name)
    return unit, start


def sysusers(prefix):
    with open(os.path.join(prefix, "lib/sysusers.d/mamori.conf")) as f:
        return [l.split()[1] for l in f if l.startswith("u ")]


def verify(prefix, tmp):
    """systemd-analyze verify, of the centre's unit and of an instance of
    the sensor's template: exit 0 and nothing on standard error (an unknown
    key is only a warning there)."""
    if not shutil.which("systemd-analyze"):
        print("SKIP (part): systemd-analyze is not installed: the units are checked by "
              "this test's own reading of them only")
        return
    units = os.path.join(prefix, "lib/systemd/system")
    inst = os.path.join(tmp, "mamori-sensor@lo.service")
    shutil.copy(os.path.join(units, "mamori-sensor@.service"), inst)
    args = ["systemd-analyze", "verify"]
    env = dict(os.environ, MANPATH=os.path.join(prefix, "share/man"))
    if not man_built():
        print("SKIP (part): no man pages were built (go-md2man): systemd-analyze does not "
              "look for them")
        args.append("--man=no")
    p = subprocess.run(args + [os.path.join(units, "mamori-center.service"), inst],
                       capture_output=True, text=True, timeout=60, env=env)
    check(p.returncode == 0 and not p.stderr.strip() and not p.stdout.strip(),
          "systemd-analyze verify: exit %d:\n%s%s" % (p.returncode, p.stdout, p.stderr))


def run_centre(prefix, start):
    """The unit's ExecStart with its data directory under the prefix, on a
    port of the kernel's choice; ExecReload's SIGHUP reads the settings
    again; SIGTERM stops it with exit 0."""
    args = [a.replace("/var/lib/", prefix + "/var/lib/") for a in start]
    check(args.count("--data") == 1 and args.count("--config") == 1,
          "the centre's ExecStart lacks --data or --config: %r" % start)
    port_file, log_path = os.path.join(prefix, "port"), os.path.join(prefix, "centre.log")
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(args + ["--listen", "127.0.0.1:0", "--port-file", port_file],
                                stdout=log, stderr=log, env=dict(os.environ, LANG="C.UTF-8"))
        try:
            deadline = time.time() + 30
            while not os.path.exists(port_file):
                if proc.poll() is not None:
                    fail("the centre's ExecStart exited %d: %s" % (proc.returncode,
                                                                  open(log_path).read()))
                check(time.time() < deadline, "the centre's ExecStart did not start")
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGHUP)  # ExecReload, $MAINPID being its pid
            deadline = time.time() + 30
            while "[mail] is unchanged" not in open(log_path).read():
                check(proc.poll() is None and time.time() < deadline,
                      "no reload after SIGHUP: %s" % open(log_path).read())
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=60)
    text = open(log_path).read()
    check(rc == 0, "the centre exited %d after SIGTERM: %s" % (rc, text))
    check(" warn:" not in text and " error:" not in text,
          "the default center.ini gives warnings: %s" % text)
    check(os.path.exists(os.path.join(prefix, "var/lib/mamori-center/center.db")),
          "no center.db in the unit's data directory")


def main():
    tmp = tmpdir("units")
    try:
        prefix = os.path.join(tmp, "prefix")
        install(prefix=prefix)
        users = sysusers(prefix)
        _, centre = check_unit(prefix, "mamori-center.service", "mamori-center",
                               CENTRE_HARDENING, users)
        unit = read_unit(os.path.join(prefix, "lib/systemd/system/mamori-center.service"))
        nofile = int(one(unit, "LimitNOFILE", "mamori-center.service"))
        check(nofile >= 1000 * 3 + 64, "LimitNOFILE=%d is below the centre's 3064" % nofile)
        check_unit(prefix, "mamori-sensor@.service", "mamori-sensor", SENSOR_HARDENING, users)
        verify(prefix, tmp)
        run_centre(prefix, centre)
    finally:
        remove(tmp)
    print("ok")


if __name__ == "__main__":
    main()
