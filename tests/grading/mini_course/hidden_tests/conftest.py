"""The mini course's pytest configuration: the grading plugin."""

pytest_plugins = ["jaxnm_course.grading.plugin"]
