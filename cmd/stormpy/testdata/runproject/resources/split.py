import storm


class Split(storm.BasicBolt):
    def process(self, tup):
        for w in tup.values[0].split():
            storm.emit([w])


Split().run()
