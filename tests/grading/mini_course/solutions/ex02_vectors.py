"""Mini set 2: vectors."""


def norm(v):
    """The Euclidean length of a list of numbers."""
    # BEGIN SOLUTION
    return sum(x * x for x in v) ** 0.5
    # END SOLUTION


def dot(u, v):
    """The dot product of two lists of numbers of the same length."""
    # BEGIN SOLUTION
    return sum(a * b for a, b in zip(u, v, strict=True))
    # END SOLUTION
