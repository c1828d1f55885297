"""Emits the numbers 0 to 19 once, reliably, then idles."""
import time

import storm

COUNT = 20


class NumberSpout(storm.Spout):
    def initialize(self, conf, context):
        self.next = 0

    def nextTuple(self):
        if self.next < COUNT:
            storm.emit([self.next], id="n%d" % self.next)
            self.next += 1
        else:
            time.sleep(0.05)

    def fail(self, id):
        storm.logError("number %s failed" % id)


NumberSpout().run()
