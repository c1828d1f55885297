import storm


class Count(storm.BasicBolt):
    def initialize(self, conf, context):
        self.counts = {}

    def process(self, tup):
        w = tup.values[0]
        self.counts[w] = self.counts.get(w, 0) + 1
        storm.emit([w, self.counts[w]])
        if w == "the" and self.counts[w] % 50 == 0:
            storm.logInfo("the=%d" % self.counts[w])


Count().run()
