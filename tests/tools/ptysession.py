# SPDX-License-Identifier: Apache-2.0
"""Runs a program on a fresh pseudo-terminal for the interactive CLI tests
(stdlib only); shared by tests/cli/{diagnose,rules,policy,declare}/pty_test.py,
whose main() is run_cases() (below), and by tests/cli/declare/chain_test.py
(typed_in_shell: a printed command line run as typed at a shell prompt).

Two ways to read what the program shows:
- screen=True (full-screen programs): send() forgets what was shown before,
  expect() returns everything shown since the last send();
- screen=False (line-by-line programs): expect() consumes the output up to
  and including the awaited text, so the next expect() looks after it.

job_control=True runs the program the way an interactive shell does: a
small "shell" process leads the terminal's session and the program runs in
its own foreground process group, so Ctrl-Z really stops it (a session
leader's own group is orphaned and would ignore the stop). stop_with_ctrl_z()
and resume() then act like Ctrl-Z and `fg`.
"""
import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import sys
import tempfile
import termios
import time


def _run_as_job(argv, env, slave, report_fd):
    """In the forked child: becomes the shell, starts the job, exits like it."""
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # take the foreground
        os.tcsetpgrp(slave, os.getpid())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.execve(argv[0], argv, env)
    os.write(report_fd, b"%d\n" % job)
    os.close(report_fd)
    _, status = os.waitpid(job, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # died of a signal: die of the same one
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


class Session:
    """One run of the program on a fresh pseudo-terminal."""

    def __init__(self, argv, env, screen=True, job_control=False, cwd=None):
        self.screen = screen
        self.buf = b""
        if not job_control:
            self.pid, self.fd = pty.fork()
            if self.pid == 0:
                try:  # never back into the caller's code in the child
                    if cwd:
                        os.chdir(cwd)
                    os.execve(argv[0], argv, env)
                except OSError as e:
                    os.write(2, ("%s: %s\n" % (argv[0], e)).encode())
                os._exit(127)
            self.job = self.pid
            return
        master, slave = pty.openpty()
        rd, wr = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.close(master)
                os.close(rd)
                _run_as_job(argv, env, slave, wr)
            finally:
                os._exit(127)
        os.close(slave)
        os.close(wr)
        with os.fdopen(rd) as f:
            self.job = int(f.readline())
        self.fd = master

    def read_some(self, timeout):
        """True when output arrived, False on timeout, None at the end."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return None
        if not data:
            return None
        self.buf += data
        return True

    def expect(self, text, timeout=20):
        """Waits until text appears (see the module text for what is returned)."""
        want = text.encode()
        while want not in self.buf:
            got = self.read_some(timeout)
            if not got:
                raise AssertionError("did not see %r; output so far:\n%s" %
                                     (text, self.buf.decode("utf-8", "replace")[-3000:]))
        shown = self.buf.decode("utf-8", "replace")
        if not self.screen:
            self.buf = self.buf[self.buf.index(want) + len(want):]
        return shown

    def send(self, keys):
        if self.screen:
            self.buf = b""
        os.write(self.fd, keys.encode() if isinstance(keys, str) else keys)

    def wait(self, timeout=20):
        """Reads to the end; returns (wait status, remaining output)."""
        while self.read_some(timeout):
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return status, self.buf.decode("utf-8", "replace")

    def finish(self, timeout=20):
        """Like wait(), with the exit code (negative: killed by that signal)."""
        status, tail = self.wait(timeout)
        return os.waitstatus_to_exitcode(status), tail

    def lflag(self):
        """The local modes (ECHO, ICANON, ...) the terminal has now."""
        return termios.tcgetattr(self.fd)[3]

    def stop_with_ctrl_z(self, timeout=20):
        """Types Ctrl-Z and waits until the program has stopped."""
        os.write(self.fd, b"\x1a")
        deadline = time.monotonic() + timeout
        while self._state() not in ("T", "t"):
            if time.monotonic() > deadline:
                raise AssertionError("Ctrl-Z did not stop the program")
            time.sleep(0.02)

    def resume(self):
        """What `fg` does once the terminal is back with the job: SIGCONT."""
        self.buf = b""
        os.kill(self.job, signal.SIGCONT)

    def _state(self):
        with open("/proc/%d/stat" % self.job) as f:
            return f.read().rsplit(")", 1)[1].split()[0]


def typed_in_shell(shell, line, env, steps, timeout=20, cwd=None):
    """Types line at the prompt of an interactive shell (shell: its argv,
    e.g. ["bash", "--norc", "--noprofile", "-i"] or ["sh", "-i"]) on a fresh
    pseudo-terminal, as an owner pasting a printed command does: the
    command's standard input, output and error are the terminal. steps are
    (text, reply) in the order shown: waits for each text and then types
    reply (None: nothing). Returns (the exit code of line, what followed the
    last text). The texts should not be in line, which the terminal echoes.
    cwd: the folder the shell starts in (default: this one)."""
    path = shutil.which(shell[0], path=env.get("PATH"))
    assert path, "no %s on PATH" % shell[0]
    s = Session([path] + shell[1:], env, screen=False, cwd=cwd)
    s.send(line + "\n")
    for text, reply in steps:
        s.expect(text, timeout)
        if reply is not None:
            s.send(reply)
    s.send("exit $?\n")
    return s.finish(timeout)


def run_cases(cases, prefix):
    """The main() of a pty test: parses "--bin PROGRAM" from the command line,
    runs each case(binary, tmp) in a fresh temporary folder of its own (its
    HOME, so its own kept records), prints "ok   NAME" or "FAIL NAME: why"
    (a failed assertion) for each, and removes the folders. prefix names the
    temporary folder. Returns the exit status: 1 when a case failed."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    binary = os.path.abspath(ap.parse_args().bin)
    tmp = tempfile.mkdtemp(prefix=prefix)
    failed = 0
    try:
        for case in cases:
            try:
                case(binary, tempfile.mkdtemp(dir=tmp))
                print("ok   " + case.__name__)
            except AssertionError as e:
                failed += 1
                print("FAIL %s: %s" % (case.__name__, e))
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0
