"""Counts words and emits [word, count].

The topology groups its input by the field `word`, so each word is counted
by exactly one task. Every wordcount.report.every tuples (default 5000) it
logs its current top five words.
"""
import storm


class CountBolt(storm.BasicBolt):
    def initialize(self, conf, context):
        self.counts = {}
        self.seen = 0
        self.every = int(conf.get("wordcount.report.every", 5000) or 0)
        self.task = context.get("taskid")

    def process(self, tup):
        word = tup.values[0]
        count = self.counts.get(word, 0) + 1
        self.counts[word] = count
        storm.emit([word, count], need_task_ids=False)
        self.seen += 1
        if self.every and self.seen % self.every == 0:
            storm.logInfo("task %s top 5 after %d words: %s" % (
                self.task, self.seen, self.top(5)))

    def top(self, n):
        best = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        return ", ".join("%s=%d" % kv for kv in best)


CountBolt().run()
