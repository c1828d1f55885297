"""Transcript tests: Storm's side of the multilang protocol, played against
real component scripts running on stormpy's storm.py."""

import json
import os

import pytest


def test_handshake_creates_pid_file_and_passes_conf(start):
    c = start("echo_bolt.py")
    pid = c.handshake(conf={"topology.name": "wc"}, context={"taskid": 12})
    assert pid == c.proc.pid
    assert os.listdir(c.pid_dir) == [str(pid)]
    c.expect_log("init wc task 12")
    assert c.close() == 0


def test_heartbeat_is_answered_with_sync(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.heartbeat()
    c.expect({"command": "sync"})
    c.heartbeat("hb2")
    c.expect({"command": "sync"})
    assert c.close() == 0


def test_anchored_emit_waits_for_task_ids(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["anchored", "v"])
    c.expect({"command": "emit", "tuple": ["x", "v"], "anchors": ["t1"]})
    c.expect_silence()  # blocked on the task ids
    c.send([4, 5])
    c.expect_log("task ids [4, 5]")
    c.expect({"command": "ack", "id": "t1"})
    assert c.close() == 0


def test_unanchored_emit_on_named_stream(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["unanchored"])
    c.expect({"command": "emit", "tuple": ["y"], "anchors": [], "stream": "other"})
    c.send([])
    c.expect_log("task ids []")
    c.expect({"command": "ack", "id": "t1"})
    assert c.close() == 0


def test_task_ids_arrive_after_queued_tuples_and_heartbeats(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["anchored", "a"])
    c.expect({"command": "emit", "tuple": ["x", "a"], "anchors": ["t1"]})
    # Storm had more to write before the reply to the emit: a tuple, a
    # heartbeat, another tuple. The bolt must keep them for later.
    c.tuple("t2", ["anchored", "b"])
    c.heartbeat()
    c.tuple("t3", ["unanchored"])
    c.send([1])
    c.expect_log("task ids [1]")
    c.expect({"command": "ack", "id": "t1"})
    c.expect({"command": "emit", "tuple": ["x", "b"], "anchors": ["t2"]})
    c.send([2, 3])
    c.expect_log("task ids [2, 3]")
    c.expect({"command": "ack", "id": "t2"})
    c.expect({"command": "sync"})
    c.expect({"command": "emit", "tuple": ["y"], "anchors": [], "stream": "other"})
    c.send([7])
    c.expect_log("task ids [7]")
    c.expect({"command": "ack", "id": "t3"})
    assert c.close() == 0


def test_direct_emits_do_not_wait_for_task_ids(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["direct"])
    c.expect({"command": "emit", "tuple": ["z"], "anchors": ["t1"], "stream": "d", "task": 7})
    c.expect_log("after direct")
    c.expect({"command": "ack", "id": "t1"})
    c.tuple("t2", ["direct_kw"])
    c.expect({"command": "emit", "tuple": ["z"], "anchors": [], "task": 8})
    c.expect_log("direct returned None")
    c.expect({"command": "ack", "id": "t2"})
    assert c.close() == 0


def test_need_task_ids_false(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["no_task_ids"])
    c.expect({"command": "emit", "tuple": ["w"], "anchors": ["t1"], "need_task_ids": False})
    c.expect_log("returned None")
    c.expect({"command": "ack", "id": "t1"})
    assert c.close() == 0


def test_fail_error_metrics_and_log_levels(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["fail"])
    c.expect({"command": "fail", "id": "t1"})
    c.tuple("t2", ["error"])
    c.expect({"command": "error", "msg": "something is off"})
    c.expect({"command": "ack", "id": "t2"})
    c.tuple("t3", ["metrics"])
    c.expect({"command": "metrics", "name": "my-metric", "params": {"n": 1}})
    c.expect({"command": "ack", "id": "t3"})
    c.tuple("t4", ["levels"])
    for level, text in enumerate("tdiwe"):
        c.expect_log(text, level)
    c.expect_log("default", 2)
    c.expect({"command": "ack", "id": "t4"})
    assert c.close() == 0


def test_tuple_fields(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["describe"], stream="words", comp="split", task=4)
    c.expect_log("split|words|4|True")
    c.expect({"command": "ack", "id": "t1"})
    assert c.close() == 0


def test_print_does_not_corrupt_the_protocol(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["print"])
    c.expect({"command": "ack", "id": "t1"})
    assert c.close() == 0
    assert "printed text" in c.stderr


def test_unicode_and_multiline_messages(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    text = u"h\u00e9llo \u2603 \U0001F600 \"q\"\nnext"
    # A pretty-printed message spans several lines before its `end`.
    c.send_raw(json.dumps({"id": "t1", "comp": "s", "stream": "default", "task": 1,
                           "tuple": ["echo", text, 42, None, {"k": [1.5]}]},
                          indent=2, ensure_ascii=False) + "\nend\n")
    c.expect({"command": "emit", "tuple": [text, 42, None, {"k": [1.5]}],
              "anchors": ["t1"], "need_task_ids": False})
    c.expect({"command": "ack", "id": "t1"})
    assert c.close() == 0


def test_crashing_process_reports_traceback_and_exits_nonzero(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["crash"])
    msg = c.recv()
    assert msg["command"] == "error"
    assert "Traceback (most recent call last)" in msg["msg"]
    assert "ValueError: boom in process" in msg["msg"]
    assert "echo_bolt.py" in msg["msg"]
    assert c.wait() == 1
    assert "ValueError: boom in process" in c.stderr


def test_crashing_initialize_reports_traceback(start):
    c = start("crash_init_bolt.py")
    c.handshake(conf={"db": "/nowhere"})
    msg = c.recv()
    assert msg["command"] == "error"
    assert "cannot open /nowhere" in msg["msg"]
    assert c.wait() == 1


def test_sys_exit_in_component_keeps_its_status(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    c.tuple("t1", ["exit"])
    assert c.wait() == 3


def test_eof_ends_quietly(start):
    c = start("echo_bolt.py")
    c.handshake()
    c.expect_log("init test task 3")
    assert c.close() == 0
    assert c.stderr == ""


def test_eof_before_handshake(start):
    c = start("echo_bolt.py")
    assert c.close() == 0


def test_basic_bolt_anchors_and_acks(start):
    c = start("upper_bolt.py")
    c.handshake()
    c.tuple("t1", ["a", "b"])
    c.expect({"command": "emit", "tuple": ["A"], "anchors": ["t1"], "need_task_ids": False})
    c.expect({"command": "emit", "tuple": ["B"], "anchors": ["t1"], "need_task_ids": False})
    c.expect({"command": "ack", "id": "t1"})
    c.heartbeat()
    c.expect({"command": "sync"})
    assert c.close() == 0


def test_basic_bolt_fails_and_reports_on_exception_then_continues(start):
    c = start("upper_bolt.py")
    c.handshake()
    c.tuple("t1", ["raise"])
    msg = c.recv()
    assert msg["command"] == "error"
    assert "RuntimeError: cannot upper-case that" in msg["msg"]
    assert "Traceback" in msg["msg"]
    c.expect({"command": "fail", "id": "t1"})
    c.tuple("t2", ["ok"])
    c.expect({"command": "emit", "tuple": ["OK"], "anchors": ["t2"], "need_task_ids": False})
    c.expect({"command": "ack", "id": "t2"})
    assert c.close() == 0


def test_spout_commands_each_end_with_sync(start):
    c = start("lifecycle_spout.py")
    c.handshake(conf={"topology.name": "sp"})
    c.expect_log("init sp")
    c.command("activate")
    c.expect_log("activated")
    c.expect({"command": "sync"})
    # 1: an emit with a message id; Storm replies with the task ids.
    c.command("next")
    c.expect({"command": "emit", "tuple": ["tuple 1"], "id": "m1"})
    c.send([2, 3])
    c.expect_log("sent to [2, 3]")
    c.expect({"command": "sync"})
    # 2: nothing to emit.
    c.command("next")
    c.expect({"command": "sync"})
    # 3: no task ids wanted.
    c.command("next")
    c.expect({"command": "emit", "tuple": ["quiet"], "id": "m3", "need_task_ids": False})
    c.expect({"command": "sync"})
    # 4: a direct emit.
    c.command("next")
    c.expect({"command": "emit", "tuple": ["direct"], "stream": "d", "task": 5})
    c.expect({"command": "sync"})
    c.command("ack", "m1")
    c.expect_log("acked m1")
    c.expect({"command": "sync"})
    c.command("fail", "m3")
    c.expect_log("failed m3")
    c.expect({"command": "sync"})
    c.command("deactivate")
    c.expect_log("deactivated")
    c.expect({"command": "sync"})
    c.command("something-new")
    c.expect({"command": "sync"})
    # 5: nextTuple raises: reported, and the spout exits non-zero.
    c.command("next")
    msg = c.recv()
    assert msg["command"] == "error"
    assert "KeyError: 'spout broke'" in msg["msg"]
    assert c.wait() == 1


def test_spout_numeric_message_ids(start):
    c = start("lifecycle_spout.py")
    c.handshake()
    c.expect_log("init test")
    c.command("ack", 17)
    c.expect_log("acked 17")
    c.expect({"command": "sync"})
    assert c.close() == 0


def test_apache_style_basic_bolt(start):
    c = start("apache_split_bolt.py")
    c.handshake()
    c.tuple("-123", ["the cow jumped"])
    for i, word in enumerate(["the", "cow", "jumped"]):
        c.expect({"command": "emit", "tuple": [word], "anchors": ["-123"]})
        c.send([i + 1])
    c.expect_log("split into 3 words")
    c.expect({"command": "ack", "id": "-123"})
    c.heartbeat()
    c.expect({"command": "sync"})
    assert c.close() == 0


def test_apache_style_spout(start):
    c = start("apache_sentence_spout.py")
    c.handshake(conf={"topology.name": "wordcount"})
    c.expect_log("spout ready for wordcount")
    c.command("next")
    c.expect({"command": "emit", "tuple": ["a little brown dog"], "id": "1"})
    c.send([4])
    c.expect({"command": "sync"})
    c.command("next")
    c.expect({"command": "emit", "tuple": ["the man petted the dog"], "id": "2"})
    c.send([5])
    c.expect({"command": "sync"})
    c.command("ack", "1")
    c.expect_log("ack 1")
    c.expect({"command": "sync"})
    c.command("fail", "2")
    c.expect_log("fail 2")
    c.expect({"command": "sync"})
    # Apache's spouts have no activate(); ours calls the no-op default.
    c.command("activate")
    c.expect({"command": "sync"})
    assert c.close() == 0


def test_apache_style_bolt_with_explicit_anchors(start):
    c = start("apache_count_bolt.py")
    c.handshake()
    c.tuple("a", ["dog"])
    c.expect({"command": "emit", "tuple": ["dog", 1], "anchors": ["a"]})
    c.tuple("b", ["dog"])  # queued while the bolt waits for task ids
    c.send([6])
    c.expect_log("dog -> [6]")
    c.expect({"command": "ack", "id": "a"})
    c.expect({"command": "emit", "tuple": ["dog", 2], "anchors": ["b"]})
    c.send([6])
    c.expect_log("dog -> [6]")
    c.expect({"command": "ack", "id": "b"})
    assert c.close() == 0


@pytest.mark.parametrize("n", [2000])
def test_many_tuples_in_flight(start, n):
    """Storm writes tuples without waiting; nothing may be lost or reordered."""
    c = start("upper_bolt.py")
    c.handshake()
    payload = "".join(
        json.dumps({"id": str(i), "comp": "s", "stream": "default", "task": 1,
                    "tuple": ["w%d" % i]}) + "\nend\n" for i in range(n))
    c.send_raw(payload)
    for i in range(n):
        c.expect({"command": "emit", "tuple": ["W%d" % i], "anchors": [str(i)],
                  "need_task_ids": False})
        c.expect({"command": "ack", "id": str(i)})
    assert c.close() == 0
