# Exercise set ex02: replace each `raise NotImplementedError` (test: pytest exercises -m ex02).
"""Mini set 2: vectors."""


def norm(v):
    """The Euclidean length of a list of numbers."""
    raise NotImplementedError("ex02: norm not implemented yet")


def dot(u, v):
    """The dot product of two lists of numbers of the same length."""
    raise NotImplementedError("ex02: dot not implemented yet")
