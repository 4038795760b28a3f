"""Trusted functions of the mini course, passed to exercise functions by name (a Ref)."""

from __future__ import annotations

from typing import Any

__all__ = ["KINDS", "Ref", "function"]

_FUNCTIONS = {
    "cube": lambda x, **p: x**3,
    "affine": lambda x, a=1.0, b=0.0: a * x + b,
}

#: Known names per kind.
KINDS = {"function": tuple(_FUNCTIONS)}


class Ref:
    """A trusted function named by ``kind``, ``name`` and ``params`` (plain numbers)."""

    def __init__(self, kind: str, name: str, params: dict[str, Any] | None = None) -> None:
        if kind not in KINDS or name not in KINDS[kind]:
            raise ValueError(f"Ref: unknown {kind} {name!r}")
        self.kind, self.name, self.params = kind, name, dict(params or {})

    def __call__(self, x: Any) -> Any:
        """Call the named trusted function."""
        return _FUNCTIONS[self.name](x, **self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and (other.kind, other.name, other.params) == (
            self.kind,
            self.name,
            self.params,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.name, tuple(sorted(self.params.items()))))


def function(name: str, **params: Any) -> Ref:
    """A Ref to a trusted scalar function of the mini course."""
    return Ref("function", name, params)
