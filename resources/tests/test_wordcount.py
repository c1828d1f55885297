"""The word-count example's components, driven through the protocol."""

import os

from conftest import REPO

EXAMPLE = os.path.join(REPO, "examples", "wordcount", "resources")
SENTENCES = [
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
]


def run_example(start, script):
    # Storm runs the commands in the resources directory.
    return start(os.path.join(EXAMPLE, script), cwd=EXAMPLE)


def next_emit(c):
    c.command("next")
    msg = c.recv()
    c.expect({"command": "sync"})
    return msg


def spout_sequence(start, n):
    c = run_example(start, "sentence_spout.py")
    c.handshake(conf={"wordcount.sentences": n})
    out = [next_emit(c) for _ in range(n)]
    c.close()
    return out


def test_spout_is_deterministic_and_reliable(start):
    c = run_example(start, "sentence_spout.py")
    c.handshake(conf={"wordcount.sentences": 3, "wordcount.seed": 42})
    c.command("activate")
    c.expect({"command": "sync"})
    emits = [next_emit(c) for _ in range(3)]
    for i, m in enumerate(emits):
        assert m["command"] == "emit"
        assert m["id"] == str(i + 1)
        assert m["need_task_ids"] is False
        assert m["tuple"][0] in SENTENCES
    # The limit is reached: Storm keeps asking, nothing more comes.
    c.command("next")
    c.expect({"command": "sync"})
    # A failed tuple is replayed with its id and sentence.
    c.command("fail", "2")
    c.expect({"command": "sync"})
    assert next_emit(c) == emits[1]
    c.command("next")
    c.expect({"command": "sync"})
    for msg_id in ("1", "2"):
        c.command("ack", msg_id)
        c.expect({"command": "sync"})
    # Once acked, a tuple is forgotten: a late fail replays nothing.
    c.command("fail", "1")
    c.expect({"command": "sync"})
    c.command("next")
    c.expect({"command": "sync"})
    c.command("ack", "3")
    c.expect_log("all 3 sentences acked")
    c.expect({"command": "sync"})
    assert c.close() == 0


def test_spout_order_comes_from_the_seed(start):
    first = spout_sequence(start, 20)
    assert spout_sequence(start, 20) == first
    assert len(set(m["tuple"][0] for m in first)) > 1


def test_split_bolt_anchors_every_word(start):
    c = run_example(start, "split_bolt.py")
    c.handshake()
    c.tuple("s1", ["the cow  jumped"])
    for word in ["the", "cow", "jumped"]:
        c.expect({"command": "emit", "tuple": [word], "anchors": ["s1"], "need_task_ids": False})
    c.expect({"command": "ack", "id": "s1"})
    c.heartbeat()
    c.expect({"command": "sync"})
    assert c.close() == 0


def test_count_bolt_counts_and_logs_top_five(start):
    c = run_example(start, "count_bolt.py")
    c.handshake(conf={"wordcount.report.every": 8}, context={"taskid": 4})
    words = ["b", "a", "c", "a", "d", "b", "a", "e"]
    counts = {}
    for i, w in enumerate(words):
        counts[w] = counts.get(w, 0) + 1
        c.tuple("w%d" % i, [w], comp="split")
        c.expect({"command": "emit", "tuple": [w, counts[w]], "anchors": ["w%d" % i],
                  "need_task_ids": False})
        if i == len(words) - 1:
            c.expect_log("task 4 top 5 after 8 words: a=3, b=2, c=1, d=1, e=1")
        c.expect({"command": "ack", "id": "w%d" % i})
    assert c.close() == 0
