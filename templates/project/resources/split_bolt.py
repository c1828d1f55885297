"""Splits each sentence into words.

A BasicBolt: every word is anchored to its sentence, and the sentence is
acked once process() returns (or failed if it raises).
"""
import storm


class SplitBolt(storm.BasicBolt):
    def process(self, tup):
        for word in tup.values[0].split():
            # Nothing here uses the receiving task ids; not asking for them
            # saves a round trip to Storm per word.
            storm.emit([word], need_task_ids=False)


SplitBolt().run()
