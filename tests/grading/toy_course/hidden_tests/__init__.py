"""The toy course's hidden tests."""
