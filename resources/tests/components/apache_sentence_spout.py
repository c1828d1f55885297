# Written exactly as components are written against Apache Storm's storm.py.
import storm

SENTENCES = [
    "a little brown dog",
    "the man petted the dog",
]


class SentenceSpout(storm.Spout):
    def initialize(self, conf, context):
        self.i = 0
        storm.logInfo("spout ready for " + conf["topology.name"])

    def nextTuple(self):
        sentence = SENTENCES[self.i % len(SENTENCES)]
        self.i += 1
        storm.emit([sentence], id=str(self.i))

    def ack(self, id):
        storm.logInfo("ack " + id)

    def fail(self, id):
        storm.logInfo("fail " + id)


SentenceSpout().run()
