"""Receives every tuple and never acks it, so its tree stays in flight."""
import storm


class HoldBolt(storm.Bolt):
    def process(self, tup):
        pass


HoldBolt().run()
