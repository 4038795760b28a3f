"""The grader's plain-data codec: round trips, and strict refusal of everything else."""

from __future__ import annotations

import base64
import collections
import json
import math
import pickle

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from jaxnm_exercises import catalog

from jaxnm_course.grading import codec

DTYPES = ["bool", "int8", "uint8", "int32", "int64", "uint64", "float16", "float32", "float64"]
DTYPES += ["complex64", "complex128"]


@given(
    hnp.arrays(
        st.sampled_from(DTYPES),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    )
)
def test_arrays_round_trip_bit_for_bit(a):
    b = codec.decode(codec.encode(a))
    assert isinstance(b, np.ndarray)
    assert b.dtype == a.dtype
    assert b.shape == a.shape
    assert b.tobytes() == a.tobytes()  # NaN payloads and signed zeros included


def test_scalars_containers_and_nonfinite_floats_round_trip():
    P = collections.namedtuple("P", "x y")
    value = {
        "none": None,
        "bools": [True, False],
        "int": -(2**62),
        "floats": (1.5, math.inf, -math.inf),
        "complex": 1 - 2j,
        "str": "Å",
        "nested": [[{"a": (1, 2)}]],
        "np_scalar": np.float32(2.5),
        "jax": jnp.arange(3.0),
        "zero_d": np.array(4.0),
        "nt": P(1.0, np.zeros(2)),
    }
    out = codec.decode(codec.encode(value))
    assert out["none"] is None
    assert out["bools"] == [True, False]
    assert out["int"] == -(2**62)
    assert out["floats"] == (1.5, math.inf, -math.inf)
    assert isinstance(out["floats"], tuple)
    assert out["complex"] == 1 - 2j
    assert out["str"] == "Å"
    assert out["nested"] == [[{"a": (1, 2)}]]
    assert out["np_scalar"] == np.float32(2.5)
    assert out["np_scalar"].dtype == np.float32
    assert isinstance(out["jax"], np.ndarray)
    assert out["jax"].dtype == np.float64
    assert out["zero_d"].shape == ()
    assert out["nt"]._fields == ("x", "y")
    assert type(out["nt"]).__name__ == "P"
    assert type(out["nt"]) is not P  # rebuilt, the sender's class never crosses
    nan = codec.decode(codec.encode(math.nan))
    assert math.isnan(nan)


@pytest.fixture
def course_refs():
    """The course catalog's Ref class registered with the codec (as the plugin does)."""
    codec.set_ref_class(catalog.Ref)
    yield
    codec.set_ref_class(None)


def test_catalog_refs_cross_by_name_and_still_work(course_refs):
    f = catalog.function("polynomial", coefficients=np.array([1.0, -2.0, 3.0, 0.5]))
    g = codec.decode(codec.encode(f))
    assert isinstance(g, catalog.Ref)
    assert g == f
    assert float(g(2.0)) == pytest.approx(float(f(2.0)))


def test_refs_are_refused_without_a_course_catalog():
    codec.set_ref_class(None)
    f = catalog.function("polynomial", coefficients=np.array([1.0, 2.0]))
    with pytest.raises(codec.CodecError):
        codec.encode(f)
    with pytest.raises(codec.CodecError, match="not available"):
        codec.decode(b'{"$": "ref", "fields": {"kind": "function", "name": "polynomial"}}')


@pytest.mark.parametrize(
    "value",
    [
        np.array([object()], dtype=object),
        np.array(["a", "b"]),
        np.zeros(2, dtype=[("a", "f8")]),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
        {1: "int key"},
        {1.5},
        b"bytes",
        lambda x: x,
        object(),
    ],
    ids=["object", "str", "structured", "datetime", "int-key", "set", "bytes", "fn", "obj"],
)
def test_values_outside_the_contract_are_refused(value):
    with pytest.raises(codec.CodecError):
        codec.encode(value)


def _msg(plain) -> bytes:
    return json.dumps(plain).encode()


@pytest.mark.parametrize(
    "message",
    [
        pickle.dumps(np.zeros(3)),
        b"\xff\xfe not utf-8",
        b"NaN",
        b'{"a": 1}',  # an untagged dict
        _msg({"$": "array", "dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA="}),
        _msg({"$": "array", "dtype": "<M8[D]", "shape": [1], "data": "AAAAAAAAAAA="}),
        _msg({"$": "array", "dtype": "<U1", "shape": [2], "data": "AAAAAAAAAAA="}),
        _msg({"$": "array", "dtype": "<f8", "shape": [3], "data": "AAAA"}),  # wrong size
        _msg({"$": "array", "dtype": "<f8", "shape": [-1], "data": ""}),
        _msg({"$": "array", "dtype": "<f8", "shape": [0], "data": "", "extra": 1}),
        _msg({"$": "array", "dtype": "<f8", "shape": [1], "data": "!!!!!!!!!!!="}),
        _msg({"$": "namedtuple", "name": "os.system", "fields": [], "values": []}),
        _msg({"$": "namedtuple", "name": "P", "fields": ["__class__"], "values": [1]}),
        _msg({"$": "namedtuple", "name": "P", "fields": ["a", "a"], "values": [1, 2]}),
        _msg({"$": "ref", "fields": {"$": "dict", "items": {"kind": "energy", "name": "rm"}}}),
        _msg({"$": "pickle", "data": base64.b64encode(pickle.dumps(1)).decode()}),
        _msg({"$": "float", "v": "1e308"}),
        _msg([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]),
    ],
)
def test_malformed_or_foreign_messages_are_refused(message, course_refs):
    with pytest.raises(codec.CodecError):
        codec.decode(message)


def test_size_limits_apply_on_both_sides():
    big = np.zeros(1000)
    with pytest.raises(codec.CodecError, match="exceeds the limit"):
        codec.encode(big, max_bytes=1000)
    data = codec.encode(big)
    with pytest.raises(codec.CodecError, match="exceeds the limit"):
        codec.decode(data, max_bytes=len(data) - 1)
    assert codec.decode(data, max_bytes=len(data)).shape == (1000,)
