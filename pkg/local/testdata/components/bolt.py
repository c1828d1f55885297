"""Test bolt, behaviour from its component conf:
test.mode "record" (default): appends each tuple as a JSON line to
  <outdir>/<component>-<task>.jsonl, once per distinct value of field 0
  (a deduplicating sink), acks, and emits nothing.
test.mode "flaky": fails about test.fail_ratio of its input tuples, and
  forwards the others anchored before acking them.
test.mode "forward": forwards every tuple anchored and acks it.
test.mode "crash": exits with status 3 on its first tuple.
test.mode "hang": stops answering (sleeps) on its first tuple.
test.mode "noack": never acks (for message timeouts).
test.mode "slowstart": records like "record", after sleeping 2s on its
  first tuple, so that the pipe to it fills up meanwhile."""
import json
import os
import random
import sys
import time

import storm


class TestBolt(storm.Bolt):
    def initialize(self, conf, context):
        self.mode = conf.get("test.mode", "record")
        self.ratio = float(conf.get("test.fail_ratio", 0.3))
        self.task = context["taskid"]
        self.comp = context["componentid"]
        self.seen = set()
        outdir = conf.get("test.outdir")
        self.out = None
        if outdir:
            with open(os.path.join(outdir, "pid-%d" % self.task), "w") as f:
                f.write(str(os.getpid()))
        if outdir:
            self.out = open(os.path.join(outdir, "%s-%d.jsonl" % (self.comp, self.task)), "a")
        self.rand = random.Random(self.task)

    def process(self, tup):
        if self.mode == "crash":
            sys.stderr.write("bolt %s is crashing on purpose\n" % self.comp)
            sys.stderr.flush()
            sys.exit(3)
        if self.mode == "hang":
            time.sleep(3600)
        if self.mode == "noack":
            return
        if self.mode == "slowstart" and not self.seen:
            time.sleep(2)
        if self.mode == "flaky":
            if self.rand.random() < self.ratio:
                storm.fail(tup)
                return
            storm.emit(tup.values, anchors=[tup])
            storm.ack(tup)
            return
        if self.mode == "forward":
            storm.emit(tup.values, anchors=[tup])
            storm.ack(tup)
            return
        key = json.dumps(tup.values[0])
        if key not in self.seen:
            self.seen.add(key)
            if self.out:
                self.out.write(json.dumps({"stream": tup.stream, "comp": tup.component, "task": tup.task, "values": tup.values}) + "\n")
                self.out.flush()
        storm.ack(tup)


if __name__ == "__main__":
    TestBolt().run()
