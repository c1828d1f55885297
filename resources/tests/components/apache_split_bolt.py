# Written exactly as components are written against Apache Storm's storm.py.
import storm


class SplitSentenceBolt(storm.BasicBolt):
    def process(self, tup):
        words = tup.values[0].split(" ")
        for word in words:
            storm.emit([word])
        storm.logInfo("split into %d words" % len(words))


SplitSentenceBolt().run()
