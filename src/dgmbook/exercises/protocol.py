"""The data that crosses the process boundary between a checker and the code it checks.

A student's function runs in another process (a forked copy of the notebook for the formative
:func:`~dgmbook.exercises.check`, a sandboxed child for the grader). Its arguments go one way and its
outputs come back the other way as JSON lines, never as pickles: numbers, strings, lists, tuples and
NumPy arrays of booleans, integers, floats or complex numbers. Whatever else a function returns is
described by its type name, so that the checker can say "returned a dict" without ever holding the
object. :func:`decode` is strict: a message that is not one of these shapes raises
:class:`ProtocolError`, and nothing in a message is ever imported, called or unpickled.

This module needs only the standard library and NumPy: the sandboxed child loads it by path.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

__all__ = ["ProtocolError", "encode", "decode", "dumps", "loads"]

#: The longest message accepted, in bytes (a result of a million floats fits easily).
MAX_MESSAGE = 64 * 2**20
#: The largest array accepted, in elements, and the deepest nesting of lists and tuples.
MAX_ELEMENTS = 5_000_000
MAX_DEPTH = 16
MAX_STRING = 10_000


class ProtocolError(ValueError):
    """A message that is not well-formed data."""


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-ready description of ``value``: arrays, numbers, strings, lists and tuples as data,
    anything else as ``{"__unsupported__": type name}``."""
    if depth > MAX_DEPTH:
        return {"__unsupported__": "structure nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else value[:MAX_STRING]
    if isinstance(value, int):
        return value if abs(value) < 2**63 else float(value)
    if isinstance(value, float):
        return {"__float__": repr(float(value))} if not math.isfinite(value) else float(value)
    if isinstance(value, complex):
        return encode(np.asarray(value), depth + 1)
    if isinstance(value, np.generic):
        return encode(np.asarray(value), depth + 1)
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind not in "biufc" or value.size > MAX_ELEMENTS:
            why = "too large an array" if value.size > MAX_ELEMENTS else f"ndarray of dtype {value.dtype}"
            return {"__unsupported__": why}
        shape = [int(n) for n in value.shape]
        if kind == "c":
            return {"__array__": "c", "shape": shape, "real": _floats(value.real),
                    "imag": _floats(value.imag)}
        if kind == "f":
            return {"__array__": "f", "shape": shape, "data": _floats(value)}
        if kind == "b":
            return {"__array__": "b", "shape": shape, "data": [bool(x) for x in value.reshape(-1)]}
        return {"__array__": "i", "shape": shape, "data": [int(x) for x in value.reshape(-1)]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    return {"__unsupported__": type(value).__name__}


def _floats(array: np.ndarray) -> list:
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    if np.all(np.isfinite(flat)):
        return flat.tolist()
    return [x if math.isfinite(x) else repr(x) for x in flat.tolist()]


def _float(x: Any) -> float:
    if isinstance(x, bool):
        raise ProtocolError("a boolean where a number belongs")
    if isinstance(x, (int, float)):
        return float(x)
    if x in ("nan", "inf", "-inf"):
        return float(x)
    raise ProtocolError("an array entry that is not a number")


class Unsupported:
    """What a function returned that is not data: only its type name crossed the boundary."""

    def __init__(self, type_name: str):
        self.type_name = str(type_name)[:100]

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def decode(obj: Any, depth: int = 0) -> Any:
    """The value that :func:`encode` described; raise :class:`ProtocolError` for anything else."""
    if depth > MAX_DEPTH + 1:
        raise ProtocolError("nested too deeply")
    if obj is None or isinstance(obj, (bool, str)):
        if isinstance(obj, str) and len(obj) > MAX_STRING:
            raise ProtocolError("a string too long")
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj
    if isinstance(obj, list):
        return [decode(v, depth + 1) for v in obj]
    if not isinstance(obj, dict) or len(obj) == 0:
        raise ProtocolError("not a value")
    if set(obj) == {"__float__"}:
        return _float(obj["__float__"])
    if set(obj) == {"__tuple__"} and isinstance(obj["__tuple__"], list):
        return tuple(decode(v, depth + 1) for v in obj["__tuple__"])
    if set(obj) == {"__unsupported__"}:
        return Unsupported(obj["__unsupported__"])
    if "__array__" in obj:
        return _decode_array(obj)
    raise ProtocolError("not a value")


def _decode_array(obj: dict) -> np.ndarray:
    kind, shape = obj.get("__array__"), obj.get("shape")
    if (not isinstance(shape, list) or len(shape) > 32
            or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape)):
        raise ProtocolError("an array with a bad shape")
    size = math.prod(shape)
    if size > MAX_ELEMENTS:
        raise ProtocolError("an array too large")
    keys = {"__array__", "shape", "real", "imag"} if kind == "c" else {"__array__", "shape", "data"}
    if set(obj) != keys:
        raise ProtocolError("an array with unexpected fields")
    if kind == "c":
        real, imag = obj["real"], obj["imag"]
        if not isinstance(real, list) or not isinstance(imag, list) or len(real) != size or len(imag) != size:
            raise ProtocolError("an array whose data does not fit its shape")
        out = np.array([_float(x) for x in real]) + 1j * np.array([_float(x) for x in imag])
        return out.reshape(shape)
    data = obj["data"]
    if not isinstance(data, list) or len(data) != size:
        raise ProtocolError("an array whose data does not fit its shape")
    if kind == "f":
        return np.array([_float(x) for x in data], dtype=np.float64).reshape(shape)
    if kind == "b":
        if not all(isinstance(x, bool) for x in data):
            raise ProtocolError("a boolean array with other entries")
        return np.array(data, dtype=bool).reshape(shape)
    if kind == "i":
        if not all(isinstance(x, int) and not isinstance(x, bool) and abs(x) < 2**63 for x in data):
            raise ProtocolError("an integer array with other entries")
        return np.array(data, dtype=np.int64).reshape(shape)
    raise ProtocolError("an array of an unknown kind")


def dumps(message: dict) -> bytes:
    """One message as a line of JSON (UTF-8, ending in a newline)."""
    if not isinstance(message, dict):
        raise TypeError(f"message must be a dict, got {type(message).__name__}")
    return (json.dumps(message, allow_nan=False, ensure_ascii=True) + "\n").encode("ascii")


def loads(line: bytes) -> dict:
    """The message of one line; :class:`ProtocolError` unless it is a JSON object within the limits."""
    if not isinstance(line, (bytes, bytearray)):
        raise TypeError(f"line must be bytes, got {type(line).__name__}")
    if len(line) > MAX_MESSAGE:
        raise ProtocolError("a message too long")
    try:
        message = json.loads(line.decode("utf8"), parse_constant=_no_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"a message that is not JSON ({type(exc).__name__})") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise ProtocolError("a message without an operation")
    return message


def _no_constant(name: str) -> Any:
    raise ProtocolError(f"a bare {name} in a message")
