"""A fake WordPress REST server and site generator for demos, end-to-end tests and benchmarks.

Standard library only, so the crawler's tests and benchmarks can run it anywhere.
Modules: ``site`` (the data format), ``generate`` (synthetic sites), ``server`` (HTTP).
"""
