# Lists the absolute imports of Python scripts, for `stormpy validate`.
# Runs on Python 2.7 and 3.x. Arguments: script paths. Output: one JSON
# document on stdout.
import ast
import json
import os
import sys

GUARDS = ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")
TRY_NODES = tuple(getattr(ast, n) for n in ("Try", "TryExcept", "TryStar") if hasattr(ast, n))


def stdlib_names():
    names = set(getattr(sys, "stdlib_module_names", ()))
    if names:
        return names
    # Before 3.10 there is no list: take the built-in modules and whatever
    # sits in the standard library's own directories.
    import pkgutil
    import sysconfig
    names.update(sys.builtin_module_names)
    std = sysconfig.get_paths().get("stdlib")
    if std:
        for _, name, _ in pkgutil.iter_modules([std, os.path.join(std, "lib-dynload")]):
            names.add(name)
    return names


def catches_import_error(handler):
    t = handler.type
    if t is None:
        return True
    for e in (t.elts if isinstance(t, ast.Tuple) else [t]):
        name = getattr(e, "id", None) or getattr(e, "attr", None)
        if name in GUARDS:
            return True
    return False


def is_type_checking(test):
    return (getattr(test, "id", None) or getattr(test, "attr", None)) == "TYPE_CHECKING"


def visit(node, guarded, out):
    if isinstance(node, ast.Import):
        for alias in node.names:
            out.append((alias.name.split(".")[0], node, guarded))
        return
    if isinstance(node, ast.ImportFrom):
        if not node.level and node.module:
            out.append((node.module.split(".")[0], node, guarded))
        return
    if TRY_NODES and isinstance(node, TRY_NODES):
        inner = guarded or any(catches_import_error(h) for h in node.handlers)
        for child in node.body:
            visit(child, inner, out)
        for child in node.handlers + node.orelse + getattr(node, "finalbody", []):
            visit(child, guarded, out)
        return
    if isinstance(node, ast.If) and is_type_checking(node.test):
        for child in node.body:
            visit(child, True, out)
        for child in node.orelse:
            visit(child, guarded, out)
        return
    for child in ast.iter_child_nodes(node):
        visit(child, guarded, out)


def scan(path, std):
    result = {"file": path, "imports": []}
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except SyntaxError as e:
        result["error"] = "%s: %s" % (type(e).__name__, e.msg)
        result["line"] = e.lineno or 0
        result["col"] = e.offset or 0
        return result
    except (IOError, OSError, ValueError) as e:
        result["error"] = str(e)
        return result
    found = []
    visit(tree, False, found)
    for module, node, guarded in found:
        result["imports"].append({
            "module": module,
            "line": node.lineno,
            "col": node.col_offset + 1,
            "stdlib": module in std,
            "guarded": guarded,
        })
    return result


def main():
    std = stdlib_names()
    json.dump({"files": [scan(p, std) for p in sys.argv[1:]]}, sys.stdout)


main()
