"""The one configuration object and the one wire protocol (framing + codec)."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from jaxnm_course.grading import codec, protocol
from jaxnm_course.grading.config import GradingConfig


def test_the_configuration_round_trips_through_json(tmp_path):
    cfg = GradingConfig(
        course=tmp_path,
        workers=3,
        call_timeout=5,
        exercises=["ex01", "ex02"],
        forbid=["jaxnm_course"],
        submission=tmp_path / "s",
        hide=[str(tmp_path / "h")],
        pidfile=str(tmp_path / "p"),
        insecure=True,
        ro_paths=[str(tmp_path / "ro")],
        tmpfs_mb=64,
    )
    back = GradingConfig.from_json(cfg.to_json())
    assert back == cfg
    assert back.exercises == ("ex01", "ex02")
    assert back.call_timeout == 5.0
    assert (back.insecure, back.ro_paths, back.tmpfs_mb) == (True, (str(tmp_path / "ro"),), 64)


def test_a_bundle_written_before_the_config_object_still_reads():
    old = '{"forbid": [], "hidden_visibility": "hidden", "call_timeout": 30, '
    old += '"submission_timeout": 90}'
    cfg = GradingConfig.from_json(old)
    assert (cfg.forbid, cfg.hidden_visibility, cfg.call_timeout) == ((), "hidden", 30.0)
    assert cfg.insecure is False  # a bundle that says nothing refuses to run unconfined


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"workers": 0}, ValueError),
        ({"workers": 1.5}, TypeError),
        ({"call_timeout": -1}, ValueError),
        ({"call_timeout": "60"}, TypeError),
        ({"hidden_visibility": "sometimes"}, ValueError),
        ({"namespaces": "on"}, ValueError),
        ({"exercises": "ex01"}, TypeError),
        ({"forbid": [1]}, TypeError),
        ({"hidden": "yes"}, TypeError),
        ({"insecure": 1}, TypeError),
        ({"ro_paths": "/opt"}, TypeError),
        ({"tmpfs_mb": 0}, ValueError),
        ({"profile": "student"}, ValueError),  # students' random profile: never for grades
        ({"profile": 1}, TypeError),
    ],
)
def test_bad_settings_are_refused_with_the_right_error(changes, error):
    with pytest.raises(error, match="GradingConfig"):
        GradingConfig(**changes)


@pytest.mark.parametrize("text", ["[]", "not json", '{"submision": "typo"}'])
def test_malformed_configuration_text_is_refused(text):
    with pytest.raises(ValueError, match=r"GradingConfig\.from_json"):
        GradingConfig.from_json(text)


def test_the_configuration_is_frozen():
    with pytest.raises(AttributeError):
        GradingConfig().workers = 2  # type: ignore[misc]


def test_messages_cross_a_pipe_in_frames():
    r, w = os.pipe()
    try:
        value = {"id": 3, "ok": np.arange(6.0).reshape(2, 3)}
        protocol.send(w, value)
        got = protocol.receive(r, deadline=time.monotonic() + 5)
        assert got["id"] == 3
        np.testing.assert_array_equal(got["ok"], value["ok"])
    finally:
        os.close(r)
        os.close(w)


def test_an_oversized_frame_is_refused_before_it_is_read():
    r, w = os.pipe()
    try:
        os.write(w, protocol.HEADER.pack(10_000) + b"x" * 100)
        with pytest.raises(codec.CodecError, match="too large"):
            protocol.receive(r, max_bytes=1000, deadline=time.monotonic() + 5)
    finally:
        os.close(r)
        os.close(w)


def test_a_silent_peer_times_out_and_a_closed_one_is_eof():
    r, w = os.pipe()
    try:
        with pytest.raises(TimeoutError):
            protocol.read_frame(r, 1000, deadline=time.monotonic() + 0.2)
        os.write(w, b"\0\0")
        os.close(w)
        w = -1
        with pytest.raises(EOFError):
            protocol.read_frame(r, 1000, deadline=time.monotonic() + 5)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def test_the_thorough_profile_travels_with_the_configuration():
    # jaxnm-grade check --thorough: the trusted pytest of the batch reads the profile from here.
    config = GradingConfig(profile="thorough")
    assert GradingConfig.from_json(config.to_json()).profile == "thorough"
    assert GradingConfig().profile == "grading"
