import storm


class Spout(storm.Spout):
    def nextTuple(self):
        storm.emit(["never runs"])


Spout().run()
