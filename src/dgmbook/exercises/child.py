"""The other side of the process boundary: where a student's code runs.

Two uses, one protocol (:mod:`dgmbook.exercises.protocol`, JSON lines):

- :func:`serve_call` runs one call of a student's function in a forked copy of the notebook (the
  formative :func:`~dgmbook.exercises.check`): the arguments are the parent's own (copied by the
  fork), a callable argument such as CD's ``gibbs`` is a proxy that asks the parent, and the result
  goes back as data;
- run as a script (``python -I child.py CONFIG``), it is the grader's sandboxed child: it lowers its
  own resource limits, drops root, executes the submission's code cells in order, reports each
  cell, then answers calls of the exercise functions until its input closes.

The child decides no mark. It never sees a reference answer: while grading, ``dgmbook`` is a stub
whose ``check`` does nothing and whose references cannot be called, and the book's package is not
in the sandbox at all.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
import sys
import types
import warnings

try:  # inside the package (the forked formative check) ...
    from . import protocol
except ImportError:  # ... or run as a script in the sandbox, next to protocol.py
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import protocol  # type: ignore[no-redef]

__all__ = ["Channel", "serve_call", "fingerprint"]

#: Characters of a call's printed output kept for the formative check.
MAX_PRINTED = 4000


class Channel:
    """Messages over a pair of file descriptors (read one, write the other)."""

    def __init__(self, read_fd: int, write_fd: int):
        if not isinstance(read_fd, int) or not isinstance(write_fd, int):
            raise TypeError("read_fd and write_fd must be file descriptors (int)")
        self.read_fd, self.write_fd = read_fd, write_fd
        self._buffer = b""

    def send(self, message: dict) -> None:
        data = protocol.dumps(message)
        while data:
            written = os.write(self.write_fd, data)
            data = data[written:]

    def receive(self) -> dict:
        while b"\n" not in self._buffer:
            chunk = os.read(self.read_fd, 1 << 16)
            if not chunk:
                raise EOFError("the channel closed")
            self._buffer += chunk
            if len(self._buffer) > protocol.MAX_MESSAGE:
                raise protocol.ProtocolError("a message too long")
        line, self._buffer = self._buffer.split(b"\n", 1)
        return protocol.loads(line)


class _Printed(io.TextIOBase):
    """Keeps the first characters printed during a call."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        if self.size < MAX_PRINTED:
            self.parts.append(text[:MAX_PRINTED - self.size])
            self.size += len(self.parts[-1])
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


def _proxy(channel: Channel, name: str):
    def callback(*args, **kwargs):
        channel.send({"op": "callback", "name": name, "args": [protocol.encode(a) for a in args],
                      "kwargs": {str(k): protocol.encode(v) for k, v in kwargs.items()}})
        reply = channel.receive()
        if reply.get("op") == "callback_error":
            raise ValueError(str(reply.get("message", ""))[:500])
        return protocol.decode(reply.get("value"))
    callback.__name__ = name
    return callback


def serve_call(func, kwargs: dict, channel: Channel, callbacks: tuple = ()) -> None:
    """Call ``func(**kwargs)`` and send its outcome: ``{"op": "result", "status": "ok", "value": ...}``
    or ``{"status": "raised", "type": ..., "message": ...}``. The arguments named in ``callbacks``
    are replaced by proxies that ask the other side."""
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if not isinstance(kwargs, dict):
        raise TypeError(f"kwargs must be a dict of keyword arguments, got {type(kwargs).__name__}")
    kwargs = dict(kwargs)
    for name in callbacks:
        kwargs[name] = _proxy(channel, name)
    printed = _Printed()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = printed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _errstate():
                value = func(**kwargs)
        message = {"op": "result", "status": "ok", "value": protocol.encode(value)}
    except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything
        message = {"op": "result", "status": "raised", "type": type(exc).__name__,
                   "not_implemented": isinstance(exc, NotImplementedError),
                   "message": _text(exc)}
    finally:
        sys.stdout, sys.stderr = saved
    message["printed"] = printed.getvalue()
    channel.send(message)


def _errstate():
    try:
        import numpy as np
        return np.errstate(all="ignore")
    except ImportError:  # pragma: no cover - numpy is always there
        import contextlib
        return contextlib.nullcontext()


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:500]
    except BaseException:  # noqa: BLE001 - a __str__ that raises
        return "(an exception whose message could not be read)"


def fingerprint(func) -> str | None:
    """A digest of a function's code (bytecode, constants, names), or None for non-functions: two
    functions compiled from the same code, whatever their file or line, have the same digest."""
    code = getattr(func, "__code__", None)
    if not isinstance(code, types.CodeType):
        return None
    digest = hashlib.sha256()
    _feed(digest, code)
    return digest.hexdigest()


def _feed(digest, code: types.CodeType) -> None:
    digest.update(code.co_code)
    digest.update(repr((code.co_names, code.co_varnames, code.co_argcount, code.co_kwonlyargcount)).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _feed(digest, const)
        else:
            digest.update(repr(const).encode("utf8", "replace"))


# ---------------------------------------------------------------------------------------------
# The sandboxed child of the grader
# ---------------------------------------------------------------------------------------------
_STUB_MESSAGE = ("while grading, the book's package offers only check(), which does nothing: "
                 "your functions are graded on their own code")


class _BookReference:
    """Stands for a reference answer in the grading stub: it cannot be called."""

    __dgmbook_reference__ = True

    def __init__(self, name):
        self.__name__ = str(name)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"the book's reference for {self.__name__} is not available while grading")


class _StubEntry:
    def __init__(self, name):
        self.name = name
        self.reference = _BookReference(name)


class _StubCatalogue(dict):
    def __missing__(self, key):
        return _StubEntry(key)


def _install_stub_package() -> None:
    """``import dgmbook.exercises`` gives a do-nothing ``check``; any other ``dgmbook`` module fails."""
    import importlib.machinery

    package = types.ModuleType("dgmbook")
    package.__path__ = []
    package.__spec__ = importlib.machinery.ModuleSpec("dgmbook", None, is_package=True)
    exercises = types.ModuleType("dgmbook.exercises")
    exercises.__spec__ = importlib.machinery.ModuleSpec("dgmbook.exercises", None)

    def check(name, func, *args, **kwargs):
        print(f"(check of {name} skipped while grading)")

    exercises.check = check
    exercises.assert_all_passed = lambda *args, **kwargs: []
    exercises.EXERCISES = _StubCatalogue()
    exercises.__all__ = ["check", "assert_all_passed", "EXERCISES"]
    package.exercises = exercises
    sys.modules["dgmbook"] = package
    sys.modules["dgmbook.exercises"] = exercises

    class Blocker:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == "dgmbook" or name.startswith("dgmbook."):
                raise ImportError(f"{name}: {_STUB_MESSAGE}")
            return None

    sys.meta_path.insert(0, Blocker())


def _limit(config: dict) -> None:
    import resource

    limits = {
        resource.RLIMIT_AS: config.get("memory_bytes"),
        resource.RLIMIT_CPU: config.get("cpu_seconds"),
        resource.RLIMIT_FSIZE: config.get("file_bytes"),
        resource.RLIMIT_NPROC: config.get("processes"),
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        if value is not None:
            value = int(value)
            resource.setrlimit(which, (value, value))


def _drop_root(uid: int) -> None:
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def _without_magics(source: str) -> str:
    """IPython's line magics and shell escapes (``%time``, ``!pip``) do nothing while grading."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[:len(line) - len(stripped)] + "pass  # removed while grading: " + stripped[:40]
        lines.append(line)
    return "\n".join(lines)


def _function_info(namespace: dict, name: str) -> dict:
    """What the judge needs to know of a function before calling it; an object whose attributes
    raise is described as not callable (only that exercise is lost)."""
    try:
        obj = namespace.get(name)
        info = {"defined": name in namespace, "callable": callable(obj)}
        if callable(obj):
            info["fingerprint"] = fingerprint(obj)
            module = getattr(obj, "__module__", None)
            info["module"] = module if isinstance(module, str) else None
            info["reference"] = bool(getattr(type(obj), "__dgmbook_reference__", False)
                                     or getattr(obj, "__dgmbook_reference__", False) is True)
        return info
    except BaseException:  # noqa: BLE001 - a property that raises, SystemExit, ...
        return {"defined": True, "callable": False}


def _grading_child(config: dict) -> None:
    """Run the submission's cells, then serve calls, over stdin/stdout (saved before any student
    code runs; the student's own printing goes nowhere)."""
    read_fd, write_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdout = sys.stderr = io.TextIOWrapper(open(os.devnull, "wb"), write_through=True)  # noqa: SIM115
    channel = Channel(read_fd, write_fd)
    _limit(config)
    if config.get("uid") is not None:
        _drop_root(int(config["uid"]))
    import numpy  # noqa: F401 - loaded before the student's code, as a notebook would

    _install_stub_package()
    start = channel.receive()
    cells, skip, functions = start["cells"], set(start.get("skip", [])), start["functions"]
    namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
    for index, source in enumerate(cells):
        if index in skip:
            continue
        channel.send({"op": "cell_start", "index": index})
        error = None
        try:
            exec(compile(_without_magics(source), f"<cell {index + 1}>", "exec"), namespace)  # noqa: S102
        except BaseException as exc:  # noqa: BLE001 - a failing cell is recorded, the next one runs
            error = f"{type(exc).__name__}: {_text(exc)[:150]}"
        channel.send({"op": "cell_done", "index": index, "error": error})
    channel.send({"op": "ready", "functions": {name: _function_info(namespace, name) for name in functions}})
    while True:
        try:
            message = channel.receive()
        except EOFError:
            return
        if message.get("op") != "call":
            return
        func = namespace.get(message["function"])
        if not callable(func):
            channel.send({"op": "result", "status": "raised", "type": "NameError", "not_implemented": False,
                          "message": f"{message['function']} is no longer a function", "printed": ""})
            continue
        kwargs = {key: protocol.decode(value) for key, value in message["args"].items()}
        serve_call(func, kwargs, channel, tuple(message.get("callbacks", ())))


if __name__ == "__main__":
    _grading_child(json.loads(sys.argv[1]))
    os._exit(0)
