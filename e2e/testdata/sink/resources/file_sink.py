"""A bolt that appends every tuple it receives, values joined by spaces, to a
file in the directory given by the topology conf key stormpy.e2e.out.dir.

Each line is written before the tuple is acked, so an acked tuple is always
on disk when the test looks.
"""
import os

import storm


class FileSink(storm.BasicBolt):
    def __init__(self, name):
        self.name = name
        self.fd = None

    def initialize(self, conf, context):
        path = os.path.join(conf["stormpy.e2e.out.dir"], self.name)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def process(self, tup):
        line = " ".join(str(v) for v in tup.values) + "\n"
        os.write(self.fd, line.encode("utf-8"))
