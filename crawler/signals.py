"""Signals the spider sends to the project's extensions."""

custom_types_found = object()
"""The site's custom post types are known: ``types`` is a list of ``(rest_base, name)``."""
