"""The toy course's exercises: stubs and visible tests."""
