"""Packs each number with msgpack and appends a line to packed.txt in the
directory given by the conf key stormpy.e2e.out.dir:

    <n> <packed size> <module of msgpack.Packer> <where six came from> <docopt>

The module is msgpack._cmsgpack when the bundled C extension loaded, and
six comes from "bundle" when it was imported from resources/_deps.
"""
import os

import docopt
import msgpack
import six
import storm


class PackBolt(storm.BasicBolt):
    def initialize(self, conf, context):
        path = os.path.join(conf["stormpy.e2e.out.dir"], "packed.txt")
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        bundle = os.path.join(os.getcwd(), "_deps")
        self.six_from = "bundle" if six.__file__.startswith(bundle) else six.__file__
        self.packer = msgpack.Packer.__module__

    def process(self, tup):
        n = tup.values[0]
        packed = msgpack.packb({"n": n})
        assert msgpack.unpackb(packed) == {"n": n}
        line = "%d %d %s %s %s\n" % (n, len(packed), self.packer, self.six_from, docopt.__name__)
        os.write(self.fd, line.encode("utf-8"))


PackBolt().run()
