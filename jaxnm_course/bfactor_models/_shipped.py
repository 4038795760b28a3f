"""The shipped parameters of the learned model: reading, writing, content hash.

``jaxnm_course/data/learned_enm.json`` holds the :class:`~._learned.LearnedParams`, the
default absolute scale of each model (median over the training proteins of the fitted
B_exp / B_pred scale), the SHA-256 of the sorted training ids (the ids themselves are in
``training_ids``), the validation scores reported by the training script, and
``content_sha256``: the SHA-256 of everything else in the file (canonical JSON), checked
on loading so that a hand-edited file is caught.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jax.numpy as jnp

from ._learned import LearnedParams

__all__ = [
    "PARAMS_FILE",
    "content_hash",
    "ids_hash",
    "load_learned",
    "params_from_dict",
    "params_to_dict",
    "write_learned",
]

#: File name of the shipped model, in ``jaxnm_course/data``.
PARAMS_FILE = "learned_enm.json"


def ids_hash(ids) -> str:
    """SHA-256 of the sorted, lower-case ids joined by newlines."""
    return hashlib.sha256("\n".join(sorted(i.lower() for i in ids)).encode()).hexdigest()


def content_hash(record: dict[str, Any]) -> str:
    """SHA-256 of a record's canonical JSON, without its ``content_sha256`` field."""
    body = {k: v for k, v in record.items() if k != "content_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def params_to_dict(params: LearnedParams) -> dict[str, Any]:
    """Parameters as plain lists/floats (JSON)."""
    return {k: jnp.asarray(v).tolist() for k, v in params._asdict().items()}


def params_from_dict(d: dict[str, Any]) -> LearnedParams:
    """:class:`LearnedParams` (float64) from :func:`params_to_dict`'s output."""
    return LearnedParams(
        **{k: jnp.asarray(d[k], dtype=jnp.float64) for k in LearnedParams._fields}
    )


def write_learned(path: str | Path, record: dict[str, Any]) -> dict[str, Any]:
    """Write a record (with ``params``) as JSON, adding its ``content_sha256``."""
    record = dict(record)
    record["content_sha256"] = content_hash(record)
    Path(path).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return record


@functools.lru_cache(maxsize=4)
def _read(path: str | None) -> dict[str, Any]:
    if path is None:
        text = resources.files("jaxnm_course").joinpath("data", PARAMS_FILE).read_text()
    else:
        text = Path(path).read_text()
    record = json.loads(text)
    if record.get("content_sha256") != content_hash(record):
        raise ValueError(
            f"the learned-model file {path or PARAMS_FILE!r} does not match its "
            "content_sha256 (edited or corrupted); regenerate it with "
            "scripts/train_learned_enm.py."
        )
    return record


def load_learned(path: str | Path | None = None) -> tuple[LearnedParams, dict[str, Any]]:
    """The shipped (or a given) model: (params, the whole record as a dict).

    Raises:
        ValueError: the file's content hash does not match.
    """
    record = _read(None if path is None else str(path))
    return params_from_dict(record["params"]), record
