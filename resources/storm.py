# -*- coding: utf-8 -*-
"""Storm's multilang protocol for Python spouts and bolts.

stormpy bundles this module into every topology jar, next to your scripts
in resources/, so `import storm` works on the cluster and under
`stormpy run`. It is API-compatible with the storm.py that Apache Storm
ships for multilang Python: components written against that module
(storm.Bolt, storm.BasicBolt, storm.Spout, storm.emit, storm.ack,
storm.logInfo, ...) run unchanged.

Differences from Apache's module, all of them fixes:

* Python 3 works: anchors are sent as a list, not a map object, and an
  uncaught exception is reported with its traceback.
* An uncaught exception in a component is sent to Storm as an `error`
  message, written to stderr, and the process exits with status 1, so the
  worker sees the death instead of a silent hang or a clean exit.
* Spouts get activate() and deactivate() calls (Storm 1.1 and later).
* emit() takes need_task_ids=False, which skips the round trip in which
  Storm tells the component which tasks received the tuple; emits that
  name a direct task never wait for task ids (Storm sends none for them).
* A BasicBolt anchors only while it processes a tuple, so an emit after
  the tuple was acked cannot anchor to it and kill the bolt.
* print() goes to stderr once a component runs, instead of corrupting
  the protocol on stdout.
* End of input on stdin (the worker closed the pipe) ends the component
  quietly with status 0.

Runs on Python 3.6 and later, and on Python 2.7.
"""

import io
import json
import os
import sys
import threading
import traceback
from collections import deque

__all__ = [
    "Tuple", "Bolt", "BasicBolt", "Spout",
    "emit", "emitDirect", "ack", "fail", "reportError", "rpcMetrics",
    "log", "logTrace", "logDebug", "logInfo", "logWarn", "logError",
    "sync", "initComponent", "readMsg", "readTaskIds", "readCommand",
    "readTuple", "sendMsgToParent",
]

# The protocol streams. They are bound when a component starts (see
# _bind), so that tests and embedders can swap sys.stdin/sys.stdout first.
_in = None
_out = None
_write_lock = threading.Lock()

# One reusable encoder: json.dumps with keyword arguments builds a new
# encoder for every call, which dominates the cost of small messages.
_encoder = json.JSONEncoder(separators=(",", ":"))
_decoder = json.JSONDecoder()
_scan = _decoder.scan_once
_esc = json.encoder.encode_basestring_ascii

if sys.version_info[0] >= 3:
    _STRING = str

    def _to_bytes(text):
        # The encoder escapes everything outside ASCII.
        return text.encode("ascii")

    def _to_text(data):
        return data.decode("utf-8")
else:  # Python 2: str is already bytes and the decoder accepts it.
    _STRING = unicode  # noqa: F821 (Python 2 only)

    def _to_bytes(text):
        return text

    def _to_text(data):
        return data


def _make_fast_encode():
    # JSONEncoder.encode builds a C encoder object for every call; building
    # it once makes encoding a tuple three to four times faster. The C
    # encoder is an implementation detail, so use it only where it exists
    # and produces exactly what the public encoder produces.
    try:
        make = json.encoder.c_make_encoder
        if make is None:
            return None
        # No cycle check: a self-containing tuple cannot be sent anyway,
        # and it still ends in an exception (RecursionError).
        c = make(None, _encoder.default, _esc, None, ":", ",",
                 False, False, True)
        sample = [u"a\u00e9\"\n", 1, -2.5, None, True, {"k": [False]}, []]

        def fast(obj):
            return "".join(c(obj, 0))

        if fast(sample) != _encoder.encode(sample):
            return None
        return fast
    except Exception:
        return None


_encode = _make_fast_encode() or _encoder.encode


def _str(value):
    # Message ids and stream names are nearly always strings.
    if type(value) is _STRING:
        return _esc(value)
    return _encode(value)


_END = b"end\n"
_SUFFIX = b"\nend\n"
_SYNC = b'{"command":"sync"}\nend\n'


def json_encode(obj):
    """Serialise obj the way messages to Storm are serialised."""
    return _encode(obj)


def json_decode(text):
    """Parse one message received from Storm."""
    # scan_once skips the two regular-expression passes of decode();
    # anything unusual (leading blanks, trailing data, bad JSON) goes
    # through decode() for its checks and its error messages.
    try:
        obj, end = _scan(text, 0)
    except StopIteration:
        return _decoder.decode(text)
    if end != len(text) and text[end:].strip():
        return _decoder.decode(text)
    return obj


class StormEOF(EOFError):
    """Storm closed the component's stdin: the worker is gone or stopping."""


def _bind():
    global _in, _out
    if _in is None:
        _in = getattr(sys.stdin, "buffer", None)
        if _in is None:
            # Python 2's stdin file object reads a byte per system call
            # when it reads lines from a pipe; a buffered reader reads
            # blocks.
            try:
                _in = io.open(sys.stdin.fileno(), "rb", closefd=False)
            except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
                _in = sys.stdin
    if _out is None:
        _out = getattr(sys.stdout, "buffer", sys.stdout)
    return _out


def _redirect_print():
    # Anything a component prints would land between protocol messages and
    # make the worker fail to parse them; send it to stderr, which Storm
    # logs line by line.
    if sys.stdout is not sys.stderr:
        sys.stdout = sys.stderr


def readMsg():
    """Read one message (a JSON document followed by a line `end`)."""
    if _in is None:
        _bind()
    readline = _in.readline
    line = readline()
    if line == _END:
        raise ValueError("empty message from Storm")
    if not line:
        raise StormEOF("Storm closed stdin")
    # Storm writes each message on one line; the loop only runs for
    # senders that pretty-print.
    end = readline()
    if end == _END:
        return json_decode(_to_text(line))
    parts = [line]
    while end.rstrip(b"\r\n") != b"end":
        if not end:
            raise StormEOF("Storm closed stdin in the middle of a message")
        parts.append(end)
        end = readline()
    return json_decode(_to_text(b"".join(parts)))


def _send(data):
    # One write and one flush per message: Storm waits for each message,
    # and the lock keeps messages from threads whole.
    out = _out if _out is not None else _bind()
    with _write_lock:
        out.write(data)
        out.flush()


def sendMsgToParent(msg):
    """Send one message to Storm and flush it."""
    _send(_to_bytes(_encode(msg)) + _SUFFIX)


# Replies of the two kinds can arrive in either order: task ids for an emit
# can come after further tuples that Storm had already queued. Each reader
# keeps what belongs to the other.
pending_commands = deque()
pending_taskids = deque()


def readTaskIds():
    """Return the task ids Storm sent for the last emit."""
    if pending_taskids:
        return pending_taskids.popleft()
    msg = readMsg()
    while type(msg) is not list:
        pending_commands.append(msg)
        msg = readMsg()
    return msg


def readCommand():
    """Return the next command or tuple from Storm."""
    if pending_commands:
        return pending_commands.popleft()
    msg = readMsg()
    while type(msg) is list:
        pending_taskids.append(msg)
        msg = readMsg()
    return msg


def readTuple():
    """Return the next tuple sent to a bolt."""
    cmd = readCommand()
    return Tuple(cmd["id"], cmd.get("comp"), cmd["stream"], cmd["task"],
                 cmd["tuple"])


def sync():
    """Tell Storm the component is done with the current command."""
    _send(_SYNC)


def sendpid(heartbeatdir):
    """Create the pid file Storm expects and report the pid."""
    pid = os.getpid()
    # The file exists before Storm learns the pid, so anything that looks
    # for it after the handshake finds it.
    open(os.path.join(heartbeatdir, str(pid)), "w").close()
    sendMsgToParent({"pid": pid})


# MODE is Bolt or Spout once a component runs; emit() sends the matching
# message. ANCHOR_TUPLE is the tuple a BasicBolt is processing.
MODE = None
ANCHOR_TUPLE = None


def emit(*args, **kwargs):
    """Emit a tuple and return the ids of the tasks that received it.

    In a bolt: emit(tup, stream=None, anchors=[], directTask=None,
    need_task_ids=True). In a spout: emit(tup, stream=None, id=None,
    directTask=None, need_task_ids=True). With need_task_ids=False, or when
    directTask is given, nothing is waited for and None is returned.
    """
    if "direct_task" in kwargs:
        kwargs["directTask"] = kwargs.pop("direct_task")
    if (emitSpout if MODE is Spout else emitBolt)(*args, **kwargs):
        return readTaskIds()
    return None


def emitDirect(task, *args, **kwargs):
    """Emit a tuple to one task of a stream with a direct grouping."""
    kwargs["directTask"] = task
    (emitSpout if MODE is Spout else emitBolt)(*args, **kwargs)


# Emits, acks and fails are most of the traffic; they are written by hand
# around the encoded values instead of encoding a dict each time.

def emitBolt(tup, stream=None, anchors=(), directTask=None,
             need_task_ids=True):
    """Send a bolt's emit; return whether Storm will reply with task ids."""
    if ANCHOR_TUPLE is not None:
        anchors = (ANCHOR_TUPLE,)
    head = '{"command":"emit","anchors":[%s],"tuple":%s' % (
        ",".join([_str(getattr(a, "id", a)) for a in anchors]), _encode(tup))
    return _finish_emit(head, stream, directTask, need_task_ids)


def emitSpout(tup, stream=None, id=None, directTask=None,
              need_task_ids=True):
    """Send a spout's emit; return whether Storm will reply with task ids."""
    head = '{"command":"emit","tuple":' + _encode(tup)
    if id is not None:
        head += ',"id":' + _str(id)
    return _finish_emit(head, stream, directTask, need_task_ids)


def _finish_emit(head, stream, directTask, need_task_ids):
    if stream is not None:
        head += ',"stream":' + _str(stream)
    if directTask is not None:
        # Storm sends no task ids for a direct emit.
        head += ',"task":' + _encode(directTask)
        need_task_ids = False
    elif not need_task_ids:
        head += ',"need_task_ids":false'
    _send(_to_bytes(head + "}\nend\n"))
    return need_task_ids


def ack(tup):
    """Ack a tuple (a Tuple or its id)."""
    _send(_to_bytes('{"command":"ack","id":%s}\nend\n'
                    % _str(getattr(tup, "id", tup))))


def fail(tup):
    """Fail a tuple (a Tuple or its id)."""
    _send(_to_bytes('{"command":"fail","id":%s}\nend\n'
                    % _str(getattr(tup, "id", tup))))


def reportError(msg):
    """Report an error to Storm (shown in the UI); not fatal."""
    sendMsgToParent({"command": "error", "msg": msg})


def log(msg, level=2):
    """Log through the worker: level 0 TRACE, 1 DEBUG, 2 INFO, 3 WARN, 4 ERROR."""
    sendMsgToParent({"command": "log", "msg": msg, "level": level})


def logTrace(msg):
    log(msg, 0)


def logDebug(msg):
    log(msg, 1)


def logInfo(msg):
    log(msg, 2)


def logWarn(msg):
    log(msg, 3)


def logError(msg):
    log(msg, 4)


def rpcMetrics(name, params):
    """Update the metric registered as name (an IShellMetric) with params."""
    sendMsgToParent({"command": "metrics", "name": name, "params": params})


def initComponent():
    """Perform the handshake; return [conf, context]."""
    _bind()
    _redirect_print()
    setupInfo = readMsg()
    sendpid(setupInfo["pidDir"])
    return [setupInfo["conf"], setupInfo["context"]]


def _crash():
    """Report the exception being handled and end the process."""
    if isinstance(sys.exc_info()[1], StormEOF):
        sys.exit(0)
    tb = traceback.format_exc()
    sys.stderr.write(tb)
    sys.stderr.flush()
    try:
        reportError(tb)
    except Exception:
        pass  # Storm is gone; the traceback is on stderr.
    sys.exit(1)


class Tuple(object):
    """A tuple received by a bolt."""

    def __init__(self, id, component, stream, task, values):
        self.id = id
        self.component = component
        self.stream = stream
        self.task = task
        self.values = values

    def __repr__(self):
        return "<%s%s>" % (self.__class__.__name__, "".join(
            " %s=%r" % (k, self.__dict__[k]) for k in sorted(self.__dict__)))

    def is_heartbeat_tuple(self):
        return self.task == -1 and self.stream == "__heartbeat"


class Bolt(object):
    """A bolt that acks, fails and anchors explicitly."""

    def initialize(self, stormconf, context):
        pass

    def process(self, tuple):
        pass

    def _handle(self, tup):
        self.process(tup)

    def run(self):
        global MODE
        MODE = Bolt
        try:
            conf, context = initComponent()
            self.initialize(conf, context)
            while True:
                cmd = readCommand()
                tup = Tuple(cmd["id"], cmd.get("comp"), cmd["stream"],
                            cmd["task"], cmd["tuple"])
                if tup.task == -1 and tup.stream == "__heartbeat":
                    sync()
                else:
                    self._handle(tup)
        except Exception:
            _crash()


class BasicBolt(Bolt):
    """A bolt whose emits are anchored to the input tuple, which is acked
    after process() returns and failed (with the error reported) when it
    raises."""

    def _handle(self, tup):
        global ANCHOR_TUPLE
        ANCHOR_TUPLE = tup
        try:
            self.process(tup)
        except Exception:
            ANCHOR_TUPLE = None
            reportError(traceback.format_exc())
            fail(tup)
        else:
            ANCHOR_TUPLE = None
            ack(tup)


class Spout(object):
    """A spout; every command from Storm is answered with sync."""

    def initialize(self, conf, context):
        pass

    def ack(self, id):
        pass

    def fail(self, id):
        pass

    def nextTuple(self):
        pass

    def activate(self):
        pass

    def deactivate(self):
        pass

    def run(self):
        global MODE
        MODE = Spout
        try:
            conf, context = initComponent()
            self.initialize(conf, context)
            while True:
                msg = readCommand()
                command = msg["command"]
                if command == "next":
                    self.nextTuple()
                elif command == "ack":
                    self.ack(msg["id"])
                elif command == "fail":
                    self.fail(msg["id"])
                elif command == "activate":
                    self.activate()
                elif command == "deactivate":
                    self.deactivate()
                sync()
        except Exception:
            _crash()
