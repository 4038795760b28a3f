"""Mini set 1: arithmetic."""


def add(a, b):
    """The sum a + b of two numbers."""
    # BEGIN SOLUTION
    return a + b
    # END SOLUTION


def apply_twice(f, x):
    """f(f(x)) for a function f of one number."""
    # HINT: call f on its own result.
    # BEGIN SOLUTION
    return f(f(x))
    # END SOLUTION
