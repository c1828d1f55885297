import storm

SENTENCES = ["the cow jumped over the moon", "an apple a day keeps the doctor away"]


class Sentences(storm.Spout):
    def initialize(self, conf, context):
        self.n = 0

    def nextTuple(self):
        if self.n < 100:
            storm.emit([SENTENCES[self.n % 2]], id=self.n)
            self.n += 1


Sentences().run()
