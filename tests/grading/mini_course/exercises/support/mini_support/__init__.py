"""The mini course's trusted support package: its catalog of trusted callables."""

__all__ = ["catalog"]
