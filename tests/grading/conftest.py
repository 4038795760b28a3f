"""Tests of the grading harness: the mini course is a course, not a test folder of this suite."""

# Its test files are collected only by the pytest sessions the tests start for it.
collect_ignore = ["mini_course"]
