"""Plain-data encoding of values crossing the grader's trust boundary.

The trusted grading process and the untrusted worker that runs a student's code exchange
messages made only of plain data: JSON text in which arrays travel as dtype + shape + raw
bytes (base64). Nothing is ever unpickled, no class is looked up by a name chosen by the
sender, and decoding refuses anything outside this set (see ``GRADING_CONTRACT.md``):

* ``None``, ``bool``, ``int``, ``float`` (NaN and infinities included), ``complex``, ``str``;
* ``list``, ``tuple`` and ``dict`` with ``str`` keys, nested at most :data:`MAX_DEPTH` deep;
* NumPy arrays and scalars and JAX arrays, of boolean, integer, floating or complex dtype
  (object, string, structured and datetime dtypes are refused); a JAX array arrives as a
  NumPy array of the same dtype;
* NamedTuples, sent as type name + field names + values and rebuilt on arrival as a fresh
  ``collections.namedtuple`` of that name (the sender's class never crosses);
* the course catalog's ``Ref`` (:func:`set_ref_class`), references to trusted callables by
  name, rebuilt with ``Ref(**fields)`` (the catalog resolves the name; no code crosses).

Every non-JSON value is a JSON object with a single ``"$"`` tag, and plain dicts are tagged
too, so no payload can masquerade as another type. Messages larger than ``max_bytes``
(default :data:`MAX_MESSAGE_BYTES`) are refused on both sides.

Example:
    >>> import numpy as np
    >>> decode(encode({"R": np.zeros((2, 3))}))["R"].shape
    (2, 3)
"""

from __future__ import annotations

import base64
import binascii
import collections
import json
import keyword
import math
from typing import Any

import numpy as np

__all__ = [
    "MAX_DEPTH",
    "MAX_MESSAGE_BYTES",
    "CodecError",
    "decode",
    "encode",
    "from_plain",
    "set_ref_class",
    "to_plain",
]

#: Largest encoded message accepted (bytes of JSON text). A (3000, 3000) float64 Hessian
#: is 72 MB raw, 96 MB in base64.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
#: Deepest nesting of containers accepted.
MAX_DEPTH = 32
#: Most elements (container items, array dimensions, namedtuple fields) in one message.
MAX_ITEMS = 1_000_000
#: Longest string accepted (characters).
MAX_STR = 1_000_000

# dtype.str of the accepted array dtypes, little-endian (native on every supported platform).
_DTYPES = frozenset(
    [
        "|b1",
        "|i1",
        "|u1",
        "<i2",
        "<u2",
        "<i4",
        "<u4",
        "<i8",
        "<u8",
        "<f2",
        "<f4",
        "<f8",
        "<c8",
        "<c16",
    ]
)
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class CodecError(ValueError):
    """A value cannot be encoded, or a message is not valid plain data."""


def _float_to_plain(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"$": "float", "v": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


_REF: list = []  # the course catalog's Ref class (see set_ref_class)


def set_ref_class(cls: type | None) -> None:
    """Use ``cls`` (the ``Ref`` class of the course's catalog) for tagged ``ref`` values.

    The plugin sets it on the trusted side, the worker after importing the catalog it was
    given (:func:`jaxnm_course.grading.course.stage_support`); without it Refs are refused.

    Args:
        cls: a class with ``kind``, ``name``, ``params`` attributes, rebuilt as
            ``cls(kind=..., name=..., params=...)``; None forgets it.
    """
    _REF[:] = [] if cls is None else [cls]


def _ref_class():
    return _REF[0] if _REF else None


def _ref_fields(ref) -> dict:
    if all(hasattr(ref, a) for a in ("kind", "name", "params")):
        return {"kind": ref.kind, "name": ref.name, "params": dict(ref.params)}
    if hasattr(ref, "_asdict"):
        return dict(ref._asdict())
    raise CodecError(f"cannot encode Ref {ref!r}")


def _array_to_plain(a: np.ndarray, tag: str) -> dict:
    if a.dtype.kind not in "biufc":
        raise CodecError(
            f"cannot encode an array of dtype {a.dtype} (only bool, int, float and complex "
            "arrays cross the grader boundary)"
        )
    # (np.ascontiguousarray would turn a 0-d array into shape (1,).)
    a = np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")
    return {
        "$": tag,
        "dtype": a.dtype.str,
        "shape": list(a.shape),
        "data": base64.b64encode(a.tobytes()).decode("ascii"),
    }


def to_plain(obj: Any, _depth: int = 0) -> Any:
    """Convert a value into JSON-ready plain data (see the module docstring for the set).

    Args:
        obj: the value.

    Returns:
        Nested dicts/lists of JSON scalars.

    Raises:
        CodecError: when ``obj`` (or something inside it) is outside the allowed set.
    """
    if _depth > MAX_DEPTH:
        raise CodecError(f"value nested deeper than {MAX_DEPTH} levels")
    d = _depth + 1
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.generic,)):
        return _array_to_plain(np.asarray(obj), "scalar")
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return _float_to_plain(float(obj))
    if isinstance(obj, complex):
        return {"$": "complex", "re": _float_to_plain(obj.real), "im": _float_to_plain(obj.imag)}
    if isinstance(obj, np.ndarray):
        return _array_to_plain(obj, "array")
    ref = _ref_class()
    if ref is not None and isinstance(obj, ref):
        return {"$": "ref", "fields": to_plain(_ref_fields(obj), d)}
    if isinstance(obj, tuple) and hasattr(type(obj), "_fields"):
        fields = [str(f) for f in type(obj)._fields]
        return {
            "$": "namedtuple",
            "name": type(obj).__name__,
            "fields": fields,
            "values": [to_plain(v, d) for v in obj],
        }
    if isinstance(obj, tuple):
        return {"$": "tuple", "items": [to_plain(v, d) for v in obj]}
    if isinstance(obj, list):
        return [to_plain(v, d) for v in obj]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise CodecError(f"dict keys must be str, got {type(k).__name__}")
            out[k] = to_plain(v, d)
        return {"$": "dict", "items": out}
    # JAX arrays (and only those: arbitrary objects with __array__ are refused).
    mod = type(obj).__module__ or ""
    if mod.split(".")[0] in ("jax", "jaxlib") and hasattr(obj, "__array__"):
        return _array_to_plain(np.asarray(obj), "array")
    raise CodecError(
        f"cannot send a value of type {type(obj).__module__}.{type(obj).__qualname__} across "
        "the grader boundary (allowed: None, bool, int, float, complex, str, list, tuple, dict "
        "with str keys, NumPy/JAX arrays, NamedTuples, catalog Refs)"
    )


class _Budget:
    def __init__(self) -> None:
        self.items = 0

    def take(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise CodecError(f"message holds more than {MAX_ITEMS} items")


_NT_CACHE: dict[tuple, type] = {}


def _namedtuple(name: str, fields: list) -> type:
    key = (name, tuple(fields))
    if key not in _NT_CACHE:
        if len(_NT_CACHE) > 1000:
            _NT_CACHE.clear()
        _NT_CACHE[key] = collections.namedtuple(name, fields)
    return _NT_CACHE[key]


def _ident(s: Any, what: str) -> str:
    if (
        not isinstance(s, str)
        or not s.isidentifier()
        or keyword.iskeyword(s)
        or s.startswith("_")
        or len(s) > 100
    ):
        raise CodecError(f"invalid {what}: {s!r}")
    return s


def _float_from_plain(x: Any) -> float:
    if isinstance(x, float):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, dict) and set(x) == {"$", "v"} and x["$"] == "float" and x["v"] in _NONFINITE:
        return _NONFINITE[x["v"]]
    raise CodecError(f"expected a float, got {type(x).__name__}")


def _array_from_plain(x: dict) -> np.ndarray:
    if set(x) != {"$", "dtype", "shape", "data"}:
        raise CodecError("malformed array")
    dtype, shape, data = x["dtype"], x["shape"], x["data"]
    if dtype not in _DTYPES:
        raise CodecError(f"array dtype {dtype!r} is not allowed")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_DEPTH
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise CodecError(f"malformed array shape {shape!r}")
    if not isinstance(data, str):
        raise CodecError("malformed array data")
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as err:
        raise CodecError(f"malformed array data: {err}") from None
    dt = np.dtype(dtype)
    if math.prod(shape) * dt.itemsize != len(raw):
        raise CodecError(f"array data has {len(raw)} bytes, shape {shape} of {dtype} needs more")
    return np.frombuffer(raw, dtype=dt).reshape(shape).copy()


def from_plain(x: Any, _depth: int = 0, _budget: _Budget | None = None) -> Any:
    """Rebuild a value from plain data made by :func:`to_plain`, refusing anything else.

    Args:
        x: nested dicts/lists of JSON scalars (as parsed by :func:`json.loads`).

    Returns:
        The value.

    Raises:
        CodecError: on any structure :func:`to_plain` cannot produce.
    """
    budget = _budget if _budget is not None else _Budget()
    budget.take(1)
    if _depth > MAX_DEPTH + 2:
        raise CodecError(f"message nested deeper than {MAX_DEPTH} levels")
    d = _depth + 1
    if x is None or isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, str):
        if len(x) > MAX_STR:
            raise CodecError(f"string longer than {MAX_STR} characters")
        return x
    if isinstance(x, list):
        budget.take(len(x))
        return [from_plain(v, d, budget) for v in x]
    if not isinstance(x, dict):
        raise CodecError(f"unexpected JSON value of type {type(x).__name__}")
    tag = x.get("$")
    if tag == "float":
        return _float_from_plain(x)
    if tag == "complex" and set(x) == {"$", "re", "im"}:
        return complex(_float_from_plain(x["re"]), _float_from_plain(x["im"]))
    if tag == "array":
        return _array_from_plain(x)
    if tag == "scalar":
        a = _array_from_plain(x)
        if a.shape != ():
            raise CodecError("scalar with a non-empty shape")
        return a[()]
    if tag == "tuple" and set(x) == {"$", "items"} and isinstance(x["items"], list):
        budget.take(len(x["items"]))
        return tuple(from_plain(v, d, budget) for v in x["items"])
    if tag == "dict" and set(x) == {"$", "items"} and isinstance(x["items"], dict):
        budget.take(len(x["items"]))
        return {str(k): from_plain(v, d, budget) for k, v in x["items"].items()}
    if tag == "namedtuple" and set(x) == {"$", "name", "fields", "values"}:
        name = _ident(x["name"], "namedtuple name")
        fields, values = x["fields"], x["values"]
        if not isinstance(fields, list) or not isinstance(values, list):
            raise CodecError("malformed namedtuple")
        if len(fields) != len(values) or len(fields) > 256 or len(set(fields)) != len(fields):
            raise CodecError("malformed namedtuple fields")
        fields = [_ident(f, "namedtuple field") for f in fields]
        budget.take(len(values))
        return _namedtuple(name, fields)(*(from_plain(v, d, budget) for v in values))
    if tag == "ref" and set(x) == {"$", "fields"}:
        ref = _ref_class()
        if ref is None:
            raise CodecError("catalog Refs are not available")
        fields = from_plain(x["fields"], d, budget)
        if not isinstance(fields, dict):
            raise CodecError("malformed Ref")
        try:
            return ref(**fields)
        except Exception as err:  # a bad name or parameters: refuse as malformed
            raise CodecError(f"invalid catalog Ref: {type(err).__name__}: {err}") from None
    raise CodecError(f"unknown or malformed tagged value {str(tag)[:40]!r}")


def encode(obj: Any, max_bytes: int = MAX_MESSAGE_BYTES) -> bytes:
    """Encode a value as UTF-8 JSON bytes (see :func:`to_plain`).

    Args:
        obj: the value.
        max_bytes: refuse messages larger than this.

    Returns:
        The message bytes.

    Raises:
        CodecError: unsupported value or message too large.
    """
    text = json.dumps(to_plain(obj), allow_nan=False, separators=(",", ":"))
    data = text.encode("utf-8")
    if len(data) > max_bytes:
        raise CodecError(f"message of {len(data)} bytes exceeds the limit of {max_bytes}")
    return data


def _no_constants(name: str):
    raise CodecError(f"non-standard JSON constant {name}")


def decode(data: bytes, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Decode bytes made by :func:`encode`, strictly.

    Args:
        data: the message bytes.
        max_bytes: refuse messages larger than this.

    Returns:
        The value.

    Raises:
        CodecError: on anything that is not a well-formed message.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise CodecError("messages are bytes")
    if len(data) > max_bytes:
        raise CodecError(f"message of {len(data)} bytes exceeds the limit of {max_bytes}")
    try:
        plain = json.loads(bytes(data).decode("utf-8"), parse_constant=_no_constants)
    except CodecError:
        raise
    except (ValueError, RecursionError) as err:
        raise CodecError(f"not valid JSON: {type(err).__name__}: {str(err)[:200]}") from None
    return from_plain(plain)
