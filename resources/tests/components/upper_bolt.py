# A storm.BasicBolt: emits each value upper-cased, raises on "raise".
import storm


class UpperBolt(storm.BasicBolt):
    def process(self, tup):
        if tup.values[0] == "raise":
            raise RuntimeError("cannot upper-case that")
        for v in tup.values:
            storm.emit([v.upper()], need_task_ids=False)


UpperBolt().run()
