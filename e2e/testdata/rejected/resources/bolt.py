import storm


class Bolt(storm.BasicBolt):
    def process(self, tup):
        pass


Bolt().run()
