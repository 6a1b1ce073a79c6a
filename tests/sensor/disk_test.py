#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of mamori-sensor on disks that fail, with real file
systems in a mount namespace of the test's own (the mounts are gone when it
ends):

    disk_test.py TEST SENSOR_BINARY

- spool-read-error: the spool on an ext4 file system on a loop device; the
  loop device is then cut short (losetup -c after truncating its file) so
  that the newest segment's blocks lie past its end, and the segment's
  cached pages are dropped: reading it fails with EIO, as a dying disk's
  does. The sensor must refuse to start (exit 4) naming the file, the
  system's reason and, if it stays unreadable, moving it aside, and cut nothing: once the device is whole again the file
  is byte for byte as before and numbering goes on after its last record.
- disk-full: the EVE output and the spool on a small tmpfs that the sensor
  fills (ENOSPC). The first failure of each is logged once, the exit message
  names both files with the reason and a next step (en and ja), the EVE
  file holds only whole lines (those of a run on a roomy disk, in order),
  the spool holds seqs 1..n with no torn tail, and n plus the events said
  lost is every spooled event. After space is freed a second run keeps
  every record and numbers on from n + 1. Space freed during a run (the
  capture on a pipe), twice: each outage of each output is logged when it
  begins and when writing works again.

Both need root (mount namespaces; losetup and mkfs.ext4 for the first) and
skip (exit 77) with a message where that is not permitted. Helpers come
from sensor_test.py. Exit 0 pass, 1 fail, 77 skipped."""
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sensor_test as st  # noqa: E402
from sensor_test import check, read_spool, many_udp_flows  # noqa: E402

SKIP = 77
IN_NS = "MM_DISK_TEST_IN_NS"


def sh(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def run_sensor(args, lang="en"):
    env = dict(os.environ, LC_ALL="", LC_MESSAGES="", LANG="ja_JP.UTF-8" if lang == "ja" else "C")
    r = sh([st.SENSOR] + args, env=env)
    check(st.sanitizer_clean(r.stderr), r.stderr)
    return r


def flows_config(tmp):
    """Settings that spool the flow records (many per capture)."""
    cfg = os.path.join(tmp, "flows.ini")
    with open(cfg, "w") as f:
        f.write("[uplink]\nevent_types = flow\n[flow]\ntimeout_udp = 1\n")
    return cfg


def drop_cached(path):
    """Drops the file's pages from the page cache (they are clean)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def readable(path):
    """None when path reads whole, else the errno of the failed read."""
    drop_cached(path)
    try:
        with open(path, "rb") as f:
            f.read()
        return None
    except OSError as e:
        return e.errno


def first_block_offset(path):
    """The byte offset on its device of the file's first block (filefrag)."""
    out = sh(["filefrag", "-v", path]).stdout
    bs = int(re.search(r"blocks of (\d+) bytes", out).group(1))
    starts = [int(m.group(1)) for m in re.finditer(r"^\s*\d+:\s+\d+\.\.\s*\d+:\s+(\d+)\.\.", out,
                                                     re.M)]
    check(starts, "filefrag: " + out)
    return min(starts) * bs


def newest_segment(sdir):
    return os.path.join(sdir, max(n for n in os.listdir(sdir) if n.endswith(".seg")))


def test_spool_read_error(tmp):
    for tool in ("losetup", "mkfs.ext4", "filefrag"):
        if not shutil.which(tool):
            print("spool-read-error: %s not found; skipped" % tool)
            return SKIP
    img, mnt = os.path.join(tmp, "disk.img"), os.path.join(tmp, "mnt")
    os.mkdir(mnt)
    with open(img, "wb") as f:
        f.truncate(16 << 20)
    r = sh(["mkfs.ext4", "-q", "-F", "-O", "^has_journal", img])
    check(r.returncode == 0, "mkfs.ext4: " + r.stderr)
    # mount -o loop sets the loop device's autoclear flag: the device is freed when the mount goes
    # away, also when this test is killed and its mount namespace disappears.
    r = sh(["mount", "-o", "loop,noatime,errors=continue", img, mnt])
    if r.returncode != 0:
        print("spool-read-error: cannot loop-mount ext4 (%s); skipped" % r.stderr.strip())
        return SKIP
    try:
        dev = sh(["losetup", "-j", img]).stdout.split(":", 1)[0].strip()
        check(dev.startswith("/dev/loop"), "losetup -j %s: no loop device" % img)
        return spool_read_error_on(tmp, img, dev, mnt)
    finally:
        sh(["umount", mnt])


def spool_read_error_on(tmp, img, dev, mnt):
    pcap, cfg = os.path.join(tmp, "flows.pcap"), flows_config(tmp)
    many_udp_flows(pcap, 300, spacing=0.05)
    state = os.path.join(mnt, "state")
    sdir = os.path.join(state, "spool")
    args = ["-r", pcap, "--eve", os.devnull, "--config", cfg, "--state", state]
    r = run_sensor(args)
    check(r.returncode == 0, "first run: " + r.stderr)
    before, _ = read_spool(sdir)
    check(len(before) >= 250, "first run spooled %d" % len(before))
    seg = newest_segment(sdir)
    with open(seg, "rb") as f:
        seg_bytes = f.read()
    # the device ends where the segment's blocks start: reading them fails
    # (what lies past the cut is kept to be put back)
    sh(["sync"])
    cut = first_block_offset(seg)
    with open(img, "r+b") as f:
        f.seek(cut)
        tail = f.read()
        f.truncate(cut)
    check(sh(["losetup", "-c", dev]).returncode == 0, "losetup -c")
    err = readable(seg)
    if err is None:
        print("spool-read-error: the cut device still reads the segment here; skipped")
        return SKIP
    check(err == 5, "reading the segment failed with errno %d, not EIO" % err)
    # the way out when the disk never reads it again is told too: moving the file aside
    for lang, want in (("en", [seg, "input/output error", "Nothing was cut or deleted",
                               "if it stays unreadable, add .unreadable to the end of the name of %s" % seg]),
                       ("ja", [seg, "読み書きに失敗しました", "何も切り詰めず",
                               "読めないままのときは、%s の名前の最後に .unreadable を付けて" % seg])):
        drop_cached(seg)
        r = run_sensor(args + ["--lang", lang])
        check(r.returncode == 4, "%s: exit %d, not 4: %s" % (lang, r.returncode, r.stderr))
        check(all(w in r.stderr for w in want), "%s: message %r" % (lang, r.stderr))
    # the device whole again: the segment as it was, numbering goes on
    with open(img, "r+b") as f:
        f.seek(cut)
        f.write(tail)
    check(sh(["losetup", "-c", dev]).returncode == 0, "losetup -c (whole)")
    check(readable(seg) is None, "the segment does not read again")
    with open(seg, "rb") as f:
        now = f.read()
    check(now == seg_bytes, "the segment changed after the failed read: %d bytes, was %d; "
          "first difference at %d" % (len(now), len(seg_bytes), next(
              (i for i, (a, b) in enumerate(zip(now, seg_bytes)) if a != b), -1)))
    r = run_sensor(args)
    check(r.returncode == 0, "run after: " + r.stderr)
    after, torn = read_spool(sdir)
    check(torn == 0 and after[:len(before)] == before, "records before the failure changed")
    seqs = [s for s, _ in after]
    check(seqs == list(range(1, len(seqs) + 1)) and len(after) >= 2 * len(before),
          "numbering after the failure: %d records" % len(after))
    return 0


def eve_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    check(not data or data.endswith(b"\n"), "EVE file ends inside a line")
    return data.splitlines()


def in_order(part, whole):
    """True when every item of part is in whole, in the same order."""
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


def test_disk_full(tmp):
    pcap, cfg = os.path.join(tmp, "flows.pcap"), flows_config(tmp)
    many_udp_flows(pcap, 6000, spacing=0.01)
    # the reference: the same run on a roomy disk
    ref_eve, ref_state = os.path.join(tmp, "ref.json"), os.path.join(tmp, "ref-state")
    r = run_sensor(["-r", pcap, "--eve", ref_eve, "--config", cfg, "--state", ref_state])
    check(r.returncode == 0, "reference run: " + r.stderr)
    ref_lines = eve_lines(ref_eve)
    ref_spooled, _ = read_spool(os.path.join(ref_state, "spool"))
    cases = (("small", lambda mnt, lang: disk_full_on(mnt, pcap, cfg, lang, ref_lines,
                                                      len(ref_spooled))),
             ("inventory", lambda mnt, lang: inventory_not_kept_on(mnt, tmp, lang)),
             ("again", lambda mnt, lang: space_freed_during_run(mnt, pcap, cfg, lang)))
    for name, run_case in cases:
        for lang in ("en", "ja"):
            mnt = os.path.join(tmp, "%s-%s" % (name, lang))
            os.mkdir(mnt)
            r = sh(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt])
            if r.returncode != 0:
                print("disk-full: cannot mount a tmpfs (%s); skipped" % r.stderr.strip())
                return SKIP
            try:
                run_case(mnt, lang)
            finally:
                sh(["umount", mnt])
    return 0


NOT_KEPT = {
    "en": "the device inventory %s holds more devices than [devices] max, and it could not be "
          "kept aside under another name before the sensor's next save leaves them out: no space "
          "left on the disk, or the quota is used up; free some space",
    "ja": "機器の一覧 %s の機器の数が [devices] max を超えていますが、次の保存で超えた分が消える前に、"
          "元のファイルを別の名前で残しておくことができませんでした: ディスクの空きがないか、使える容量の"
          "上限に達しています。不要なファイルを消して空きを作ってください"}


def inventory_not_kept_on(mnt, tmp, lang):
    """An inventory past [devices] max that cannot be kept aside on a full disk: one
    sentence, ending with the reason's step alone (it said "(a larger one keeps them)"
    in the middle, a second hint)."""
    pcap, cfg, state = os.path.join(tmp, "three.pcap"), os.path.join(tmp, "max.ini"), \
        os.path.join(mnt, "state")
    w = st.g.PcapWriter(pcap)
    for k in range(3):
        w.udp(("192.168.1.%d" % (10 + k), 40000 + k), ("192.0.2.53", 53),
              st.g.dns_query("d%d.example" % k), src_mac="02:00:00:00:01:%02x" % k,
              dst_mac="02:00:00:00:00:fe", ts=1775001600.0 + k)
    w.close()
    r = run_sensor(["-r", pcap, "--eve", os.devnull, "--state", state], lang)
    check(r.returncode == 0, "%s: inventory of three: %s" % (lang, r.stderr))
    with open(cfg, "w") as f:
        f.write("[devices]\nmax = 1\n")
    fill(mnt)
    inv = os.path.join(state, "devices.json")
    r = run_sensor(["-r", pcap, "--eve", os.devnull, "--state", state, "--config", cfg], lang)
    check(r.returncode == 4 and r.stderr == "mamori-sensor: %s\n" % (NOT_KEPT[lang] % inv),
          "%s: inventory not kept on a full disk: %r" % (lang, r))


AGAIN = {"en": {"eve": "EVE output: writing to %s works again",
                "spool": r"spool: events are added to (\S+) again; the (\d+) events that could not "
                         r"be added meanwhile do not reach the centre"},
         "ja": {"eve": "EVE 出力: %s にまた書き込めるようになりました",
                "spool": r"spool: (\S+) にまたイベントを追加できるようになりました。その間に追加"
                         r"できなかった (\d+) 件のイベントは"}}


def fill(mnt):
    """Fills the file system at mnt (a file of zeros to the last page); returns the file."""
    path = os.path.join(mnt, "filler")
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 16, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass
    return path


def space_freed_during_run(mnt, pcap, cfg, lang):
    """The disk is full when the sensor starts reading a capture on a pipe; once both
    outputs have logged their failure, space is freed and more of the capture follows
    until each output has said that writing works again (the spool with the events it
    lost); then the disk fills a second time and grows with the rest of the capture. Each
    outage is logged when it begins and when it ends, the second too (before, only the
    first outage of a run was logged), and the spool numbers on without a gap."""
    import threading
    import time
    eve, state = os.path.join(mnt, "eve.json"), os.path.join(mnt, "state")
    w, again = WANT[lang], AGAIN[lang]
    filler = fill(mnt)
    env = dict(os.environ, LC_ALL="", LC_MESSAGES="", LANG="ja_JP.UTF-8" if lang == "ja" else "C")
    p = subprocess.Popen([st.SENSOR, "-r", "-", "--eve", eve, "--config", cfg, "--state", state],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    err = []
    reader = threading.Thread(target=lambda: err.extend(p.stderr))
    reader.start()

    def spool_failed(line):
        return all(part in line for part in w["spool_first"].split("%s"))

    def counts():
        lines = b"".join(err).decode(errors="replace").splitlines()
        return (sum(w["eve_first"] % eve in x for x in lines), sum(map(spool_failed, lines)),
                sum(again["eve"] % eve in x for x in lines),
                sum(bool(re.search(again["spool"], x)) for x in lines))

    def wait_for(want):
        deadline = time.time() + 60
        while time.time() < deadline and not all(a >= b for a, b in zip(counts(), want)):
            time.sleep(0.05)
        check(all(a >= b for a, b in zip(counts(), want)), "%s: waited for %r, have %r: %s" %
              (lang, want, counts(), b"".join(err).decode(errors="replace")))

    with open(pcap, "rb") as f:
        data = f.read()
    cuts = [24 + i * ((len(data) - 24) // (16 + 62) // 4) * (16 + 62) for i in range(4)]
    parts = [data[:cuts[1]], data[cuts[1]:cuts[2]], data[cuts[2]:cuts[3]], data[cuts[3]:]]
    try:
        p.stdin.write(parts[0])  # every packet is 62 bytes here: whole records
        p.stdin.flush()
        wait_for((1, 1, 0, 0))
        os.unlink(filler)
        p.stdin.write(parts[1])
        p.stdin.flush()
        wait_for((1, 1, 1, 1))
        filler = fill(mnt)
        p.stdin.write(parts[2])
        p.stdin.flush()
        wait_for((2, 2, 1, 1))
        # the second time the disk grows: unlinking the filler would free only what was
        # left after the first outage, which the sensor's own lines fill again
        check(sh(["mount", "-o", "remount,size=16m", mnt]).returncode == 0, "tmpfs resize")
        p.stdin.write(parts[3])
        p.stdin.flush()
        wait_for((2, 2, 2, 2))
        p.stdin.close()
        p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
        reader.join()
    text = b"".join(err).decode()
    check(st.sanitizer_clean(text), text)
    for name, failed, worked in (
            ("EVE", lambda x: w["eve_first"] % eve in x, lambda x: again["eve"] % eve in x),
            ("spool", spool_failed, lambda x: re.search(again["spool"], x))):
        said = [("fail" if failed(x) else "ok") for x in text.splitlines() if failed(x) or
                worked(x)]
        check(said == ["fail", "ok", "fail", "ok"], "%s: %s outages each logged when they began "
              "and ended: %r: %s" % (lang, name, said, text))
    for path, n in re.findall(again["spool"], text):
        check(path.startswith(os.path.join(state, "spool") + "/") and int(n) > 0,
              "%s: spool adding again said with the events lost: %s" % (lang, text))
    recs, torn = read_spool(os.path.join(state, "spool"))
    seqs = [s for s, _ in recs]
    check(torn == 0 and seqs and seqs == list(range(1, len(seqs) + 1)),
          "%s: spool after space was freed: %d records, torn %d" % (lang, len(seqs), torn))


WANT = {
    # ENOSPC's own text ends with its next step, so the messages give it in
    # place of their own (mm_error_has_step): one step each, never two
    "en": {"eve_first": "EVE output: cannot write to %s: no space left on the disk",
           "spool_first": "spool: cannot add events to %s: no space left on the disk",
           "eve_exit": "some events could not be written to the EVE output %s: no space left",
           "spool_exit": r"(\d+) events could not be added to the spool's (\S+) and will not "
                         r"reach the centre: no space left",
           "step": "free some space",
           "other_step": "Free space on that disk"},
    "ja": {"eve_first": "EVE 出力: %s に書き込めません: ディスクの空きがないか",
           "spool_first": "spool: %s にイベントを追加できません: ディスクの空きがないか",
           "eve_exit": "EVE 出力 %s に書けなかったイベントがあります: ディスクの空きがないか",
           "spool_exit": r"(\d+) 件のイベントをスプールの (\S+) に追加できず、センターへ送れません"
                         r": ディスクの空きがないか",
           "step": "不要なファイルを消して空きを作ってください",
           "other_step": "そのディスクの空きを作るか"},
}


def disk_full_on(mnt, pcap, cfg, lang, ref_lines, ref_spooled):
    eve, state = os.path.join(mnt, "eve.json"), os.path.join(mnt, "state")
    sdir = os.path.join(state, "spool")
    args = ["-r", pcap, "--eve", eve, "--config", cfg, "--state", state]
    r = run_sensor(args, lang)
    w = WANT[lang]
    check(r.returncode == 4, "%s full: exit %d, not 4: %s" % (lang, r.returncode, r.stderr))
    for key in ("eve_first", "eve_exit"):
        check(r.stderr.count(w[key] % eve) == 1, "%s: %s once: %s" % (lang, key, r.stderr))
    check(r.stderr.count(w["step"]) == 4 and w["other_step"] not in r.stderr,
          "%s: one next step a message: %s" % (lang, r.stderr))
    m = re.search(w["spool_exit"], r.stderr)
    check(m, "%s: spool exit message: %s" % (lang, r.stderr))
    lost, seg = int(m.group(1)), m.group(2)
    check(seg.startswith(sdir + "/") and r.stderr.count(w["spool_first"] % seg) == 1,
          "%s: spool first failure once: %s" % (lang, r.stderr))
    lines = eve_lines(eve)
    check(lines and all(json.loads(x) for x in lines), "%s: EVE lines" % lang)
    check(len(lines) < len(ref_lines) and in_order(lines, ref_lines),
          "%s: EVE lines are not whole lines of the roomy run, in order" % lang)
    recs, torn = read_spool(sdir)
    seqs = [s for s, _ in recs]
    check(torn == 0 and seqs == list(range(1, len(seqs) + 1)) and len(recs) > 0,
          "%s: spool after the full disk: %d records, torn %d" % (lang, len(recs), torn))
    check(len(recs) + lost == ref_spooled,
          "%s: %d spooled + %d lost, not %d" % (lang, len(recs), lost, ref_spooled))
    # space freed: everything spooled stays once, numbering goes on
    os.unlink(eve)
    check(sh(["mount", "-o", "remount,size=16m", mnt]).returncode == 0, "tmpfs resize")
    r = run_sensor(args, lang)
    check(r.returncode == 0, "%s: run after space was freed: %s" % (lang, r.stderr))
    after, torn = read_spool(sdir)
    seqs = [s for s, _ in after]
    check(torn == 0 and after[:len(recs)] == recs, "%s: spooled records changed" % lang)
    check(seqs == list(range(1, len(recs) + ref_spooled + 1)),
          "%s: after space was freed: %d records, want %d" % (lang, len(seqs),
                                                              len(recs) + ref_spooled))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    name, st.SENSOR = sys.argv[1], os.path.abspath(sys.argv[2])
    if os.geteuid() != 0:
        print("%s: needs root (mount namespaces, mounts); skipped" % name)
        return SKIP
    if not os.environ.get(IN_NS):
        if not shutil.which("unshare"):
            print("%s: unshare not found (util-linux); skipped" % name)
            return SKIP
        probe = sh(["unshare", "-m", "true"])
        if probe.returncode != 0:
            print("%s: no mount namespace here (unshare -m: exit %d: %s); skipped" %
                  (name, probe.returncode, probe.stderr.strip()))
            return SKIP
        r = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                            os.path.abspath(__file__)] + sys.argv[1:],
                           env=dict(os.environ, **{IN_NS: "1"}))
        if r.returncode in (0, SKIP):
            return r.returncode
        if r.returncode < 0:
            print("FAIL %s: test process killed by signal %d" % (name, -r.returncode))
        elif r.returncode != 1:
            print("FAIL %s: test process exited %d" % (name, r.returncode))
        return 1
    return st.run_named(name, globals()["test_" + name.replace("-", "_")], "mm-disk-test-")


if __name__ == "__main__":
    sys.exit(main())
