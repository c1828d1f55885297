"""In-process tests of storm.py's message layer, with its streams replaced."""

import importlib
import io
import json
import os
import sys

import pytest

from conftest import RESOURCES


@pytest.fixture
def storm():
    sys.path.insert(0, RESOURCES)
    try:
        import storm as mod
        mod = importlib.reload(mod)  # fresh queues and mode
    finally:
        sys.path.remove(RESOURCES)
    yield mod


def feed(storm, *msgs):
    data = "".join(json.dumps(m) + "\nend\n" for m in msgs).encode()
    storm._in = io.BytesIO(data)
    storm._out = io.BytesIO()


def sent(storm):
    chunks = storm._out.getvalue().decode().split("\nend\n")
    assert chunks[-1] == ""
    return [json.loads(c) for c in chunks[:-1]]


def test_commands_keep_task_ids_for_later(storm):
    feed(storm, [1, 2], {"command": "next", "id": ""}, [3])
    assert storm.readCommand() == {"command": "next", "id": ""}
    assert storm.readTaskIds() == [1, 2]
    assert storm.readTaskIds() == [3]


def test_task_ids_keep_commands_for_later(storm):
    feed(storm, {"id": "a", "comp": "c", "stream": "default", "task": 1, "tuple": [1]},
         {"id": "b", "comp": "c", "stream": "default", "task": 1, "tuple": [2]}, [9])
    assert storm.readTaskIds() == [9]
    assert storm.readTuple().values == [1]
    assert storm.readTuple().id == "b"
    with pytest.raises(EOFError):
        storm.readCommand()


def test_messages_are_compact_and_end_with_end_line(storm):
    feed(storm)
    storm.MODE = storm.Bolt
    storm.emit(["a", 1], anchors=[storm.Tuple("x", "c", "s", 1, [])], need_task_ids=False)
    storm.sync()
    assert storm._out.getvalue() == (
        b'{"command":"emit","anchors":["x"],"tuple":["a",1],"need_task_ids":false}\nend\n'
        b'{"command":"sync"}\nend\n')


def test_spout_mode_emit_with_positional_arguments(storm):
    # Apache's emitSpout(tup, stream, id, directTask): the third positional
    # argument is the message id in a spout and the anchors in a bolt.
    feed(storm, [4])
    storm.MODE = storm.Spout
    assert storm.emit(["s"], "words", "msg-1") == [4]
    assert sent(storm) == [{"command": "emit", "tuple": ["s"], "stream": "words", "id": "msg-1"}]


def test_handshake(storm, tmp_path):
    feed(storm, {"pidDir": str(tmp_path), "conf": {"k": "v"}, "context": {"taskid": 1}})
    stdout = sys.stdout
    try:
        conf, context = storm.initComponent()
        assert sys.stdout is sys.stderr  # print() no longer reaches Storm
    finally:
        sys.stdout = stdout
    assert conf == {"k": "v"} and context == {"taskid": 1}
    assert sent(storm) == [{"pid": os.getpid()}]
    assert os.path.exists(os.path.join(str(tmp_path), str(os.getpid())))


def test_empty_message_is_an_error(storm):
    storm._in = io.BytesIO(b"end\n")
    with pytest.raises(ValueError):
        storm.readMsg()


def test_eof_inside_message(storm):
    storm._in = io.BytesIO(b'{"a":\n1}\n')
    with pytest.raises(EOFError):
        storm.readMsg()


def test_hand_written_messages_are_valid_json(storm):
    feed(storm)
    storm.MODE = storm.Bolt
    odd = u"\u00e9\"\\\n\u2603\U0001F600"
    storm.emit([odd, 1.5, None, {"k": [True]}], stream=odd, anchors=[7, odd],
               need_task_ids=False)
    storm.emitDirect(3, [], stream="s")
    storm.ack(12)
    storm.fail(odd)
    storm.MODE = storm.Spout
    storm.emit([1], id={"n": 1}, need_task_ids=False)
    assert sent(storm) == [
        {"command": "emit", "tuple": [odd, 1.5, None, {"k": [True]}], "stream": odd,
         "anchors": [7, odd], "need_task_ids": False},
        {"command": "emit", "tuple": [], "stream": "s", "anchors": [], "task": 3},
        {"command": "ack", "id": 12},
        {"command": "fail", "id": odd},
        {"command": "emit", "tuple": [1], "id": {"n": 1}, "need_task_ids": False},
    ]
    assert storm._out.getvalue().isascii()


def test_json_decode_edge_cases(storm):
    assert storm.json_decode('  {"a": 1} \n') == {"a": 1}
    assert storm.json_decode('[1, 2]\n') == [1, 2]
    with pytest.raises(ValueError):
        storm.json_decode('{"a": 1} x')
    with pytest.raises(ValueError):
        storm.json_decode('{"a": ')


def test_json_encode_matches_the_standard_encoder(storm):
    values = [u"\u00e9", [1, [2, {"x": None}]], {"b": 1.25, "a": False}, -3, ""]
    for v in values:
        assert json.loads(storm.json_encode(v)) == v
        assert storm.json_encode(v) == json.dumps(v, separators=(",", ":"))
