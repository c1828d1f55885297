"""Emits 0, 1, 2, ... about ten times a second, forever."""
import time

import storm


class TickSpout(storm.Spout):
    def initialize(self, conf, context):
        self.n = 0

    def nextTuple(self):
        time.sleep(0.1)
        storm.emit([self.n], id=self.n)
        self.n += 1

    def deactivate(self):
        storm.logInfo("ticker deactivated at %d" % self.n)

    def activate(self):
        storm.logInfo("ticker activated at %d" % self.n)


TickSpout().run()
