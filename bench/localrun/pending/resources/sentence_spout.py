"""A reliable spout: emits sentences with message ids, replays failed ones.

The sentences come from a fixed list in an order drawn from a seeded random
generator, so every run emits the same sequence. The topology config key
wordcount.sentences limits how many are emitted (0, the default, means
forever); wordcount.seed changes the order.
"""
import random

import storm

SENTENCES = [
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
]


class SentenceSpout(storm.Spout):
    def initialize(self, conf, context):
        self.limit = int(conf.get("wordcount.sentences", 0) or 0)
        self.rng = random.Random(int(conf.get("wordcount.seed", 42)))
        self.emitted = 0
        # Message id -> sentence, until acked. The ids are strings, which
        # every host hands back unchanged.
        self.pending = {}
        self.replay = []  # failed message ids, oldest first
        self.acked = 0

    def nextTuple(self):
        if self.replay:
            msg_id = self.replay.pop(0)
            storm.emit([self.pending[msg_id]], id=msg_id, need_task_ids=False)
            return
        if self.limit and self.emitted >= self.limit:
            return  # all emitted; Storm keeps asking, we have nothing new
        self.emitted += 1
        msg_id = str(self.emitted)
        sentence = SENTENCES[self.rng.randrange(len(SENTENCES))]
        self.pending[msg_id] = sentence
        storm.emit([sentence], id=msg_id, need_task_ids=False)

    def ack(self, msg_id):
        if self.pending.pop(msg_id, None) is None:
            return
        self.acked += 1
        if self.limit and self.acked == self.limit:
            storm.logInfo("all %d sentences acked" % self.limit)

    def fail(self, msg_id):
        if msg_id in self.pending:
            self.replay.append(msg_id)


SentenceSpout().run()
