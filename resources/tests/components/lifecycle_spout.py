# A storm.Spout that logs every call, and emits with message ids.
import storm


class LifecycleSpout(storm.Spout):
    def initialize(self, conf, context):
        self.n = 0
        storm.logInfo("init %s" % conf.get("topology.name"))

    def activate(self):
        storm.logInfo("activated")

    def deactivate(self):
        storm.logInfo("deactivated")

    def nextTuple(self):
        self.n += 1
        if self.n == 2:
            return  # nothing to emit this time
        if self.n == 3:
            storm.emit(["quiet"], id="m3", need_task_ids=False)
            return
        if self.n == 4:
            storm.emitDirect(5, ["direct"], stream="d")
            return
        if self.n == 5:
            raise KeyError("spout broke")
        ids = storm.emit(["tuple %d" % self.n], id="m%d" % self.n)
        storm.logInfo("sent to %r" % (ids,))

    def ack(self, id):
        storm.logInfo("acked %s" % id)

    def fail(self, id):
        storm.logInfo("failed %s" % id)


LifecycleSpout().run()
