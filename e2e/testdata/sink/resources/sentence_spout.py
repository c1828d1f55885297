"""Emits each sentence of SENTENCES once, reliably, then idles."""
import time

import storm

SENTENCES = [
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
    "the quick brown fox jumps over the lazy dog",
]


class SentenceSpout(storm.Spout):
    def initialize(self, conf, context):
        self.next = 0

    def nextTuple(self):
        if self.next < len(SENTENCES):
            storm.emit([SENTENCES[self.next]], id="s%d" % self.next)
            self.next += 1
        else:
            # Nothing left: do not spin a core while Storm keeps asking.
            time.sleep(0.05)

    def fail(self, id):
        # A replay would duplicate lines in the sink and hide the failure;
        # the test reads the failed count instead.
        storm.logError("sentence %s failed" % id)


SentenceSpout().run()
