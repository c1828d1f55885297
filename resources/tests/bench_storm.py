"""Measures storm.py's cost per tuple, without a host in the way.

    python3 resources/tests/bench_storm.py [TUPLES] [PYTHON...]

Feeds a bolt a file of pre-encoded tuples on stdin and sends its output to
/dev/null, so the time measured is the module's own: reading and decoding
each tuple, and encoding, writing and flushing each message. Reports CPU
time (user + system) per tuple, which the machine's load does not inflate,
and the tuples per CPU-second that follow from it.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.dirname(HERE)

BOLTS = {
    # A BasicBolt emitting one tuple per input: emit + ack per tuple.
    "basic-emit": (
        "import storm\n"
        "class B(storm.BasicBolt):\n"
        "    def process(self, tup):\n"
        "        storm.emit([tup.values[0], 1], need_task_ids=False)\n"
        "B().run()\n"),
    # A Bolt acking only: the floor of the protocol's cost.
    "ack-only": (
        "import storm\n"
        "class B(storm.Bolt):\n"
        "    def process(self, tup):\n"
        "        storm.ack(tup)\n"
        "B().run()\n"),
}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    pythons = sys.argv[2:] or [sys.executable]
    work = tempfile.mkdtemp()
    feed = os.path.join(work, "in")
    with open(feed, "w") as f:
        f.write(json.dumps({"pidDir": work, "conf": {}, "context": {}}) + "\nend\n")
        for i in range(n):
            f.write(json.dumps({"id": str(-4000000000000 - i), "comp": "split", "stream": "default",
                                "task": 3, "tuple": ["word%d" % (i % 1000)]}) + "\nend\n")
    env = dict(os.environ, PYTHONPATH=RESOURCES)
    for python in pythons:
        for name, code in sorted(BOLTS.items()):
            script = os.path.join(work, name + ".py")
            with open(script, "w") as f:
                f.write(code)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with open(feed, "rb") as stdin, open(os.devnull, "wb") as devnull:
                subprocess.run([python, script], stdin=stdin, stdout=devnull, check=True, env=env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            print("%-40s %-11s %8.1f us/tuple %9.0f tuples/cpu-s" % (
                python, name, cpu / n * 1e6, n / cpu))


if __name__ == "__main__":
    main()
