"""Hostile submissions for the grader's tests (built from exercise set 01)."""
