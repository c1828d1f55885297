#!/usr/bin/env python3
"""Asks a Nimbus for its cluster summary over Thrift and prints it.

Used by scripts/storm-dev-cluster to decide that the cluster is up: Nimbus
answers getClusterInfo (framed transport, strict binary protocol), knows it
is the leader, and at least one supervisor has registered. Standard library
only, so it works before anything else is built.

Exit status: 0 ready, 1 not ready or unreachable.
"""

import argparse
import socket
import struct
import sys

T_STOP, T_BOOL, T_BYTE, T_DOUBLE, T_I16, T_I32, T_I64, T_STRING = 0, 2, 3, 4, 6, 8, 10, 11
T_STRUCT, T_MAP, T_SET, T_LIST = 12, 13, 14, 15
VERSION_1 = 0x80010000
CALL, REPLY, EXCEPTION = 1, 2, 3


class Reader:
    """Decodes the Thrift binary protocol into dicts keyed by field id."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated thrift reply")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def value(self, ttype):
        if ttype == T_BOOL:
            return self.unpack(">b") != 0
        if ttype == T_BYTE:
            return self.unpack(">b")
        if ttype == T_DOUBLE:
            return self.unpack(">d")
        if ttype == T_I16:
            return self.unpack(">h")
        if ttype == T_I32:
            return self.unpack(">i")
        if ttype == T_I64:
            return self.unpack(">q")
        if ttype == T_STRING:
            raw = self.take(self.unpack(">i"))
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                return raw
        if ttype == T_STRUCT:
            return self.struct()
        if ttype == T_MAP:
            kt, vt, n = self.unpack(">b"), self.unpack(">b"), self.unpack(">i")
            return {self.value(kt): self.value(vt) for _ in range(n)}
        if ttype in (T_SET, T_LIST):
            et, n = self.unpack(">b"), self.unpack(">i")
            return [self.value(et) for _ in range(n)]
        raise ValueError("unknown thrift type %d" % ttype)

    def struct(self):
        fields = {}
        while True:
            ttype = self.unpack(">b")
            if ttype == T_STOP:
                return fields
            fid = self.unpack(">h")
            fields[fid] = self.value(ttype)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("nimbus closed the connection")
        buf += chunk
    return buf


def call(host, port, method, timeout):
    name = method.encode()
    body = struct.pack(">Ii", VERSION_1 | CALL, len(name)) + name + struct.pack(">ib", 1, T_STOP)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(body)) + body)
        size = struct.unpack(">i", recv_exact(sock, 4))[0]
        r = Reader(recv_exact(sock, size))
    head = r.unpack(">I")
    if head & 0xFFFF0000 != VERSION_1:
        raise ValueError("not a strict thrift binary reply")
    r.take(r.unpack(">i"))
    r.unpack(">i")
    result = r.struct()
    if head & 0xFF == EXCEPTION:
        raise RuntimeError("nimbus: %s" % result.get(1, "application exception"))
    if 0 not in result:
        raise RuntimeError("nimbus raised %r" % result)
    return result[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6627)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--require-supervisor", action="store_true",
                    help="exit 1 unless a leader and a supervisor are known")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    try:
        summary = call(args.host, args.port, "getClusterInfo", args.timeout)
    except (OSError, ValueError, RuntimeError) as e:
        if not args.quiet:
            print("nimbus      %s:%d unreachable: %s" % (args.host, args.port, e))
        return 1
    nimbuses = summary.get(4, [])
    supervisors = summary.get(1, [])
    topologies = summary.get(3, [])
    out = []
    for n in nimbuses:
        out.append("nimbus      %s:%s %s, Storm %s, up %ss" % (
            n.get(1), n.get(2), "leader" if n.get(4) else "not leader", n.get(5, "?"), n.get(3)))
    for s in supervisors:
        out.append("supervisor  %s slots %s/%s used, id %s" % (s.get(1), s.get(4), s.get(3), s.get(5)))
    for t in topologies:
        out.append("topology    %s %s workers %s executors %s id %s" % (
            t.get(2), t.get(7), t.get(5), t.get(4), t.get(1)))
    if not args.quiet:
        try:
            print("\n".join(out), flush=True)
        except BrokenPipeError:
            pass
    if args.require_supervisor and not (supervisors and any(n.get(4) for n in nimbuses)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
