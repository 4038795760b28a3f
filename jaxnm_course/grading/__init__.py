"""Exercise grading: the pytest plugin, the target loader and the isolated batch grader."""
