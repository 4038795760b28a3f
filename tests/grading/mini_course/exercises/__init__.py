"""The mini course's exercises: stubs and visible tests."""
