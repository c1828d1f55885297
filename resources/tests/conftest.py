"""Harness for the multilang protocol tests.

Each test starts a real component script under a real Python interpreter,
with stormpy's storm.py on its path, and plays Storm's side of the
protocol over the child's stdin and stdout.

The tests run under the interpreter running pytest and, when present,
under Python 2.7 and 3.6 (found on PATH, through pyenv, or listed in
STORMPY_TEST_PYTHONS, separated by spaces).
"""

import glob
import json
import os
import queue
import shutil
import subprocess
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.dirname(HERE)
COMPONENTS = os.path.join(HERE, "components")
REPO = os.path.dirname(RESOURCES)

# Long enough for a loaded CI machine, short enough to fail a hang quickly.
TIMEOUT = 15


def _version(exe):
    try:
        out = subprocess.run(
            [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20,
            check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode().strip()


def _candidates():
    yield sys.executable
    for exe in os.environ.get("STORMPY_TEST_PYTHONS", "").split():
        yield exe
    for name in ("python2.7", "python3.6"):
        exe = shutil.which(name)
        if exe:
            yield exe
    # pyenv's shims on PATH refuse versions that are not selected; ask
    # pyenv for the installed interpreters themselves.
    if shutil.which("pyenv"):
        try:
            root = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE,
                                  timeout=20, check=True).stdout.decode().strip()
        except (OSError, subprocess.SubprocessError):
            root = ""
        if root:
            for pattern in ("2.7*/bin/python2.7", "3.6*/bin/python3.6"):
                for exe in sorted(glob.glob(os.path.join(root, "versions", pattern))):
                    yield exe


def _interpreters():
    found = {}
    for exe in _candidates():
        v = _version(exe)
        if v and v not in found:
            found[v] = exe
    return sorted(found.items())


INTERPRETERS = _interpreters()


def pytest_report_header(config):
    return "multilang components run under Python " + ", ".join(
        "%s (%s)" % (v, exe) for v, exe in INTERPRETERS)


@pytest.fixture(params=[exe for _, exe in INTERPRETERS],
                ids=["py" + v for v, _ in INTERPRETERS])
def python(request):
    return request.param


class Component(object):
    """A component script running as a child process, seen from Storm."""

    def __init__(self, python, script, workdir, cwd=None):
        self.workdir = str(workdir)
        self.pid_dir = os.path.join(self.workdir, "pids")
        os.makedirs(self.pid_dir, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = RESOURCES
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        self.proc = subprocess.Popen(
            [python, script], cwd=cwd or self.workdir, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        self.messages = queue.Queue()
        self.raw = []
        self.stderr_lines = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr,
                                               daemon=True)
        self._stderr_reader.start()

    def _read_stdout(self):
        buf = []
        for line in self.proc.stdout:
            self.raw.append(line)
            if line == b"end\n":
                try:
                    self.messages.put(json.loads(b"".join(buf).decode("utf-8")))
                except ValueError as e:
                    self.messages.put(e)
                buf = []
            else:
                buf.append(line)
        self.messages.put(None)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    @property
    def stderr(self):
        return "".join(self.stderr_lines)

    def send(self, msg):
        self.send_raw(json.dumps(msg) + "\nend\n")

    def send_raw(self, text):
        self.proc.stdin.write(text.encode("utf-8"))
        self.proc.stdin.flush()

    def recv(self, timeout=TIMEOUT):
        try:
            msg = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no message from the component within %ss; "
                                 "stderr:\n%s" % (timeout, self.stderr))
        if msg is None:
            self.messages.put(None)
            raise AssertionError("component closed stdout (exit %s); stderr:\n%s"
                                 % (self.proc.wait(TIMEOUT), self.stderr))
        if isinstance(msg, Exception):
            raise AssertionError("component wrote invalid JSON: %s" % msg)
        return msg

    def expect(self, want, timeout=TIMEOUT):
        got = self.recv(timeout)
        assert got == want
        return got

    def expect_log(self, text, level=2):
        self.expect({"command": "log", "msg": text, "level": level})

    def expect_silence(self, seconds=0.3):
        try:
            msg = self.messages.get(timeout=seconds)
        except queue.Empty:
            return
        raise AssertionError("unexpected message: %r" % (msg,))

    def handshake(self, conf=None, context=None):
        self.send({
            "pidDir": self.pid_dir,
            "conf": conf if conf is not None else {"topology.name": "test"},
            "context": context if context is not None else {
                "taskid": 3, "componentid": "c", "task->component": {"3": "c"}},
        })
        msg = self.recv()
        assert list(msg) == ["pid"]
        return msg["pid"]

    def tuple(self, id, values, stream="default", comp="source", task=9):
        self.send({"id": id, "comp": comp, "stream": stream, "task": task,
                   "tuple": values})

    def heartbeat(self, id="hb"):
        self.send({"id": id, "comp": None, "stream": "__heartbeat",
                   "task": -1, "tuple": []})

    def command(self, command, id=""):
        self.send({"command": command, "id": id})

    def close(self):
        """Close stdin and return the exit status."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        return self.wait()

    def wait(self):
        code = self.proc.wait(TIMEOUT)
        self._stderr_reader.join(TIMEOUT)
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass


@pytest.fixture
def start(python, tmp_path):
    """start(script) runs a component from tests/components (or a path)."""
    started = []

    def _start(script, cwd=None):
        if not os.path.isabs(script):
            script = os.path.join(COMPONENTS, script)
        c = Component(python, script, tmp_path, cwd=cwd)
        started.append(c)
        return c

    yield _start
    for c in started:
        c.kill()
