"""The mini course's hidden tests."""
