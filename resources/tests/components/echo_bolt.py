# A storm.Bolt whose behaviour each test picks with the tuple's first value.
import sys

import storm


class EchoBolt(storm.Bolt):
    def initialize(self, conf, context):
        self.conf = conf
        storm.logInfo("init %s task %s" % (conf.get("topology.name"), context.get("taskid")))

    def process(self, tup):
        what = tup.values[0]
        if what == "anchored":
            ids = storm.emit(["x", tup.values[1]], anchors=[tup])
            storm.logInfo("task ids %r" % (ids,))
            storm.ack(tup)
        elif what == "unanchored":
            ids = storm.emit(["y"], stream="other")
            storm.logInfo("task ids %r" % (ids,))
            storm.ack(tup)
        elif what == "direct":
            storm.emitDirect(7, ["z"], stream="d", anchors=[tup])
            storm.logInfo("after direct")
            storm.ack(tup)
        elif what == "direct_kw":
            ids = storm.emit(["z"], direct_task=8)
            storm.logInfo("direct returned %r" % (ids,))
            storm.ack(tup)
        elif what == "no_task_ids":
            ids = storm.emit(["w"], anchors=[tup.id], need_task_ids=False)
            storm.logInfo("returned %r" % (ids,))
            storm.ack(tup)
        elif what == "echo":
            storm.emit(tup.values[1:], anchors=[tup], need_task_ids=False)
            storm.ack(tup)
        elif what == "fail":
            storm.fail(tup)
        elif what == "error":
            storm.reportError("something is off")
            storm.ack(tup.id)
        elif what == "metrics":
            storm.rpcMetrics("my-metric", {"n": 1})
            storm.ack(tup)
        elif what == "levels":
            storm.logTrace("t")
            storm.logDebug("d")
            storm.logInfo("i")
            storm.logWarn("w")
            storm.logError("e")
            storm.log("default")
            storm.ack(tup)
        elif what == "print":
            print("printed text")
            sys.stdout.flush()
            storm.ack(tup)
        elif what == "describe":
            storm.logInfo("%s|%s|%s|%s" % (tup.component, tup.stream, tup.task, repr(tup).startswith("<Tuple")))
            storm.ack(tup)
        elif what == "crash":
            raise ValueError("boom in process")
        elif what == "exit":
            sys.exit(3)
        else:
            storm.ack(tup)


EchoBolt().run()
