"""Stand-in for the project's resources/storm.py while it is being written:
the standard storm.py API (emit, emitDirect, ack, fail, log, reportError,
Bolt, BasicBolt, Spout), for the local runner's tests only. The tests use
resources/storm.py instead whenever the repository has one."""
import json
import os
import sys
from collections import deque

_stdin = sys.stdin
_stdout = sys.stdout
pending_commands = deque()
pending_taskids = deque()
MODE = None
ANCHOR_TUPLE = None


def readMsg():
    lines = []
    while True:
        line = _stdin.readline()
        if not line:
            raise EOFError("read EOF from stdin")
        line = line.rstrip("\n")
        if line == "end":
            break
        lines.append(line)
    return json.loads("\n".join(lines))


def readTaskIds():
    if pending_taskids:
        return pending_taskids.popleft()
    msg = readMsg()
    while not isinstance(msg, list):
        pending_commands.append(msg)
        msg = readMsg()
    return msg


def readCommand():
    if pending_commands:
        return pending_commands.popleft()
    msg = readMsg()
    while isinstance(msg, list):
        pending_taskids.append(msg)
        msg = readMsg()
    return msg


def sendMsgToParent(msg):
    _stdout.write(json.dumps(msg))
    _stdout.write("\nend\n")
    _stdout.flush()


def sync():
    sendMsgToParent({"command": "sync"})


def sendpid(piddir):
    pid = os.getpid()
    sendMsgToParent({"pid": pid})
    open(os.path.join(piddir, str(pid)), "w").close()


def emit(*args, **kwargs):
    need = kwargs.pop("need_task_ids", True)
    __emit(*args, need_task_ids=need, **kwargs)
    if need:
        return readTaskIds()


def emitDirect(task, *args, **kwargs):
    kwargs["directTask"] = task
    kwargs.setdefault("need_task_ids", False)
    need = kwargs.pop("need_task_ids")
    __emit(*args, need_task_ids=need, **kwargs)
    if need:
        return readTaskIds()


def __emit(*args, **kwargs):
    if MODE == "bolt":
        emitBolt(*args, **kwargs)
    else:
        emitSpout(*args, **kwargs)


def emitBolt(tup, stream=None, anchors=[], directTask=None, need_task_ids=True):
    global ANCHOR_TUPLE
    if ANCHOR_TUPLE is not None:
        anchors = [ANCHOR_TUPLE]
    m = {"command": "emit", "anchors": [a.id for a in anchors], "tuple": tup}
    if stream is not None:
        m["stream"] = stream
    if directTask is not None:
        m["task"] = directTask
    if not need_task_ids:
        m["need_task_ids"] = False
    sendMsgToParent(m)


def emitSpout(tup, stream=None, id=None, directTask=None, need_task_ids=True):
    m = {"command": "emit", "tuple": tup}
    if id is not None:
        m["id"] = id
    if stream is not None:
        m["stream"] = stream
    if directTask is not None:
        m["task"] = directTask
    if not need_task_ids:
        m["need_task_ids"] = False
    sendMsgToParent(m)


def ack(tup):
    sendMsgToParent({"command": "ack", "id": tup.id})


def fail(tup):
    sendMsgToParent({"command": "fail", "id": tup.id})


def reportError(msg):
    sendMsgToParent({"command": "error", "msg": msg})


def log(msg, level=2):
    sendMsgToParent({"command": "log", "msg": msg, "level": level})


def initComponent():
    setup = readMsg()
    sendpid(setup["pidDir"])
    return [setup["conf"], setup["context"]]


class Tuple(object):
    def __init__(self, id, component, stream, task, values):
        self.id = id
        self.component = component
        self.stream = stream
        self.task = task
        self.values = values

    def is_heartbeat_tuple(self):
        return self.task == -1 and self.stream == "__heartbeat"


def readTuple():
    cmd = readCommand()
    return Tuple(cmd["id"], cmd["comp"], cmd["stream"], cmd["task"], cmd["tuple"])


class Bolt(object):
    def initialize(self, stormconf, context):
        pass

    def process(self, tuple):
        pass

    def run(self):
        global MODE
        MODE = "bolt"
        conf, context = initComponent()
        self.initialize(conf, context)
        while True:
            tup = readTuple()
            if tup.is_heartbeat_tuple():
                sync()
            else:
                self.process(tup)


class BasicBolt(object):
    def initialize(self, stormconf, context):
        pass

    def process(self, tuple):
        pass

    def run(self):
        global MODE, ANCHOR_TUPLE
        MODE = "bolt"
        conf, context = initComponent()
        self.initialize(conf, context)
        while True:
            tup = readTuple()
            if tup.is_heartbeat_tuple():
                sync()
                continue
            ANCHOR_TUPLE = tup
            try:
                self.process(tup)
                ack(tup)
            except Exception:
                import traceback
                reportError(traceback.format_exc())
                fail(tup)


class Spout(object):
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
        MODE = "spout"
        conf, context = initComponent()
        self.initialize(conf, context)
        while True:
            msg = readCommand()
            c = msg["command"]
            if c == "next":
                self.nextTuple()
            elif c == "ack":
                self.ack(msg["id"])
            elif c == "fail":
                self.fail(msg["id"])
            elif c == "activate":
                self.activate()
            elif c == "deactivate":
                self.deactivate()
            sync()
