#!/usr/bin/env python3
"""Upload/submit time and command latency: stormpy against Storm's own client.

Both tools talk to the same dev cluster, submit the same jars with the same
topology shape (examples/wordcount), and run alternately within each round,
so the ratios hold even on a noisy machine where absolute times move.

  submit   `stormpy submit --jar J`  vs  StormSubmitter (bench/cluster/SubmitBench.java)
  upload   throughput from the difference between a big and a small jar:
           (bytes_big - bytes_small) / (t_big - t_small); for Storm's client the
           times measured inside the JVM (no start-up), for stormpy the whole run
  list     `stormpy list`            vs  org.apache.storm.command.ListTopologies
  kill     `stormpy kill N --wait 0` vs  org.apache.storm.command.KillTopology N -w 0
  cluster word count: words counted per second by examples/wordcount on the
           dev cluster (the count bolts' executed count over a window), to set
           beside `stormpy run`'s figure in bench/localrun

Every figure is a median over the rounds; each run is a whole process, as a
user runs it (a JVM's start-up is part of what Storm's tools cost).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def timed(cmd, cwd=None, env=None):
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit("bench: %s exited %d\nstdout:\n%s\nstderr:\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return elapsed, p.stdout


class Tools:
    def __init__(self, args, work):
        self.stormpy = os.path.abspath(args.stormpy)
        self.home = os.path.abspath(args.storm_home)
        self.env = dict(os.environ, STORMPY_NIMBUS=args.nimbus)
        self.classes = os.path.join(work, "classes")
        os.makedirs(self.classes)
        timed(["javac", "-d", self.classes, "-cp", os.path.join(self.home, "lib-worker", "*"),
               os.path.join(HERE, "SubmitBench.java")])
        conf = os.path.join(self.home, "conf")
        # `storm jar` runs the user's submitter on the worker classpath,
        # `storm list`/`storm kill` on the daemon classpath.
        self.submit_cp = ":".join([os.path.join(self.home, "lib-worker", "*"), conf, self.classes])
        self.cli_cp = ":".join([os.path.join(self.home, "lib", "*"), conf])

    def sp(self, *args, cwd=None):
        return timed([self.stormpy, *args], cwd=cwd, env=self.env)

    def java(self, cp, main, *args):
        return timed(["java", "-Dstorm.home=" + self.home, "-cp", cp, main, *args])

    def names(self):
        _, out = self.sp("list", "--json")
        names = set()
        dec = json.JSONDecoder()
        text = out.strip()
        pos = 0
        while pos < len(text):
            val, end = dec.raw_decode(text, pos)
            pos = end
            while pos < len(text) and text[pos].isspace():
                pos += 1
            items = val if isinstance(val, list) else val.get("topologies", [val]) if isinstance(val, dict) else []
            names.update(t["name"] for t in items if isinstance(t, dict) and "name" in t)
        return names

    def wait_empty(self, prefix, timeout=180):
        deadline = time.time() + timeout
        while True:
            left = [n for n in self.names() if n.startswith(prefix)]
            if not left:
                return
            if time.time() > deadline:
                sys.exit("bench: topologies still listed after %ds: %s" % (timeout, left))
            time.sleep(1)


def project(work, name, big_mb):
    dst = os.path.join(work, name)
    shutil.copytree(os.path.join(ROOT, "examples", "wordcount"), dst,
                    ignore=shutil.ignore_patterns("target", "__pycache__"))
    if big_mb:
        # Incompressible, so the jar is as big as the data whatever the
        # compression either tool would apply.
        with open(os.path.join(dst, "resources", "blob.bin"), "wb") as f:
            for _ in range(big_mb):
                f.write(os.urandom(1 << 20))
    return dst


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stormpy", default=os.path.join(ROOT, "bin", "stormpy"))
    ap.add_argument("--storm-home", default=os.environ.get("STORMPY_E2E_STORM_HOME", ""))
    ap.add_argument("--nimbus", default=os.environ.get("STORMPY_E2E_NIMBUS", "127.0.0.1:6627"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big-mb", type=int, default=64)
    ap.add_argument("--throughput-secs", type=int, default=40,
                    help="length of the word-count throughput window (0: skip)")
    args = ap.parse_args()
    if not args.storm_home:
        sys.exit("bench: --storm-home (or STORMPY_E2E_STORM_HOME) is required")

    work = tempfile.mkdtemp(prefix="stormpy-bench-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(args, work):
    load_before = load()
    tools = Tools(args, work)
    small = project(work, "small", 0)
    big = project(work, "big", args.big_mb)
    jars = {}
    for label, proj in (("small", small), ("big", big)):
        tools.sp("package", cwd=proj)
        jars[label] = os.path.join(proj, "target", "wordcount.jar")
    sizes = {k: os.path.getsize(v) for k, v in jars.items()}

    t = {k: [] for k in ("sp_small", "java_small", "sp_big", "java_big", "jvm_small", "jvm_big",
                         "sp_list", "java_list", "sp_kill", "java_kill")}

    def submit_sp(label, name):
        return tools.sp("submit", "--jar", jars[label], "--name", name, cwd=small)[0]

    def submit_java(label, name):
        wall, out = tools.java(tools.submit_cp, "SubmitBench", jars[label], name)
        for line in out.splitlines():
            if line.startswith("in_jvm_submit_ms="):
                t["jvm_" + label].append(float(line.split("=", 1)[1]) / 1000)
        return wall

    # Warm the page cache and the JVM's class data once, untimed.
    submit_sp("small", "bench-warm-sp")
    submit_java("small", "bench-warm-java")
    tools.sp("kill", "bench-warm-sp", "--wait", "0")
    tools.sp("kill", "bench-warm-java", "--wait", "0")
    tools.wait_empty("bench-")

    for r in range(args.rounds):
        for label in ("small", "big"):
            sp_name, java_name = "bench-sp-%d-%s" % (r, label), "bench-java-%d-%s" % (r, label)
            first_sp = (r % 2 == 0)
            pairs = [("sp", lambda: submit_sp(label, sp_name)), ("java", lambda: submit_java(label, java_name))]
            for who, fn in (pairs if first_sp else pairs[::-1]):
                t["%s_%s" % (who, label)].append(fn())
            lists = [("sp", lambda: tools.sp("list")[0]),
                     ("java", lambda: tools.java(tools.cli_cp, "org.apache.storm.command.ListTopologies")[0])]
            for who, fn in (lists if first_sp else lists[::-1]):
                t["%s_list" % who].append(fn())
            kills = [("sp", lambda: tools.sp("kill", sp_name, "--wait", "0")[0]),
                     ("java", lambda: tools.java(tools.cli_cp, "org.apache.storm.command.KillTopology",
                                                 java_name, "-w", "0")[0])]
            for who, fn in (kills if first_sp else kills[::-1]):
                t["%s_kill" % who].append(fn())
            tools.wait_empty("bench-")
        print("round %d/%d done" % (r + 1, args.rounds), file=sys.stderr)

    med = {k: statistics.median(v) for k, v in t.items()}
    extra = sizes["big"] - sizes["small"]

    def throughput(prefix):
        dt = med["%s_big" % prefix] - med["%s_small" % prefix]
        return extra / dt / (1 << 20) if dt > 0 else float("nan")

    tp_sp, tp_java = throughput("sp"), throughput("jvm")
    rows = [
        ("submit, small jar (%s)" % human(sizes["small"]), med["sp_small"], med["java_small"]),
        ("submit, big jar (%s)" % human(sizes["big"]), med["sp_big"], med["java_big"]),
        ("submit, big jar, Storm's time inside its JVM", med["sp_big"], med["jvm_big"]),
        ("list", med["sp_list"], med["java_list"]),
        ("kill --wait 0", med["sp_kill"], med["java_kill"]),
    ]
    print("| operation | stormpy | Storm's Java client | Storm / stormpy |")
    print("|---|---:|---:|---:|")
    for label, a, b in rows:
        print("| %s | %.3f s | %.3f s | %.1fx |" % (label, a, b, b / a))
    print("| upload throughput (big − small) | %.0f MiB/s | %.0f MiB/s | %.2fx (stormpy / Storm) |"
          % (tp_sp, tp_java, tp_sp / tp_java))
    print()
    print("Medians of %d rounds; the tools alternate going first. Load average before/after: %s / %s."
          % (args.rounds, load_before, load()))
    if args.throughput_secs > 0:
        words, secs = cluster_wordcount(tools, small, args.throughput_secs)
        print()
        print("examples/wordcount on the dev cluster (1 worker, 1 spout, 2 split, 2 count, acking on,"
              " max.spout.pending 1000): %.0f words/s (%d words counted in %.1f s). Load average: %s."
              % (words / secs, words, secs, load()))


def cluster_wordcount(tools, proj, window):
    """Submits the word count and measures the count bolts' executed count
    between the first and the last stats update inside the window."""
    name = "bench-wordcount"
    tools.sp("submit", "--name", name, "-c", "topology.stats.sample.rate=1.0", cwd=proj)
    try:
        def executed():
            _, out = tools.sp("info", name, "--json")
            info = json.loads(out)
            return sum(c.get("executed", 0) for c in info.get("components", []) if c.get("id") == "count")

        # Warm up: wait until words flow, then give the worker 10 s more.
        deadline = time.time() + 300
        while executed() == 0:
            if time.time() > deadline:
                sys.exit("bench: the word count counted nothing in 300 s")
            time.sleep(1)
        time.sleep(10)
        # Stats arrive in steps (every executor.metrics.frequency.secs), so
        # time the window from one step to another.
        first = last = None
        prev = executed()
        end = time.time() + window
        while time.time() < end or first is None or last is None or last[0] == first[0]:
            time.sleep(0.5)
            now, n = time.time(), executed()
            if n != prev:
                if first is None:
                    first = (now, n)
                else:
                    last = (now, n)
                prev = n
            if time.time() > end + 60:
                sys.exit("bench: the word count's stats stopped moving")
        return last[1] - first[1], last[0] - first[0]
    finally:
        tools.sp("kill", name, "--wait", "0")
        tools.wait_empty(name)


def human(n):
    if n >= 1 << 20:
        return "%.1f MiB" % (n / (1 << 20))
    return "%.1f KiB" % (n / 1024)


if __name__ == "__main__":
    main()
