"""Test spout: emits test.count tuples [n, key] (key = n % test.keys).
With test.reliable it gives each a message id, replays failed ones, and
writes <outdir>/done-<task> once every tuple is acked. test.streams spreads
tuples over named streams by n; test.direct_to sends each tuple with
emitDirect to task (n mod tasks) of that component."""
import json
import os
import sys

import storm


class TestSpout(storm.Spout):
    def initialize(self, conf, context):
        self.conf = conf
        self.task = context["taskid"]
        self.count = int(conf.get("test.count", 100))
        self.keys = int(conf.get("test.keys", 10))
        self.pad = "x" * int(conf.get("test.pad", 0))
        self.reliable = bool(conf.get("test.reliable", False))
        self.streams = conf.get("test.streams") or []
        self.outdir = conf.get("test.outdir")
        if self.outdir:
            with open(os.path.join(self.outdir, "pid-%d" % self.task), "w") as f:
                f.write(str(os.getpid()))
        direct = conf.get("test.direct_to")
        self.direct = sorted(int(t) for t, c in context["task->component"].items() if c == direct) if direct else []
        self.next = 0
        self.replay = []
        self.pending = set()
        self.acked = set()
        self.done = False
        storm.log("spout %d ready" % self.task)
        storm.log("a debug line", 1)

    def nextTuple(self):
        if self.replay:
            n = self.replay.pop(0)
        elif self.next < self.count:
            n = self.next
            self.next += 1
        else:
            return
        kw = {}
        if self.streams:
            kw["stream"] = self.streams[n % len(self.streams)]
        if self.reliable:
            kw["id"] = n
            self.pending.add(n)
        tup = [n, "k%d" % (n % self.keys) + self.pad]
        if self.direct:
            storm.emitDirect(self.direct[n % len(self.direct)], tup, **kw)
        else:
            tasks = storm.emit(tup, **kw)
            if not isinstance(tasks, list):
                raise Exception("emit returned %r" % (tasks,))

    def ack(self, id):
        self.pending.discard(id)
        self.acked.add(id)
        self.check_done()

    def fail(self, id):
        self.pending.discard(id)
        self.replay.append(id)

    def check_done(self):
        if not self.done and self.outdir and len(self.acked) == self.count:
            self.done = True
            with open(os.path.join(self.outdir, "done-%d" % self.task), "w") as f:
                f.write(json.dumps(sorted(self.acked)))


if __name__ == "__main__":
    TestSpout().run()
