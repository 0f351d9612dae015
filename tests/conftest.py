"""Shared pytest configuration: the real WordPress test site is a plugin of fixtures."""

pytest_plugins = ["tests.wordpress.fixtures"]
