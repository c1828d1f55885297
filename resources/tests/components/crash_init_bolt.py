# A bolt whose initialize raises.
import storm


class BrokenBolt(storm.Bolt):
    def initialize(self, conf, context):
        raise IOError("cannot open " + conf["db"])


BrokenBolt().run()
