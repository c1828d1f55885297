# A plain storm.Bolt written against Apache Storm's API: explicit anchors
# and acks, task ids used.
import storm


class CountBolt(storm.Bolt):
    def initialize(self, conf, context):
        self.counts = {}

    def process(self, tup):
        word = tup.values[0]
        self.counts[word] = self.counts.get(word, 0) + 1
        tasks = storm.emit([word, self.counts[word]], anchors=[tup])
        storm.log("%s -> %s" % (word, tasks))
        storm.ack(tup)


CountBolt().run()
