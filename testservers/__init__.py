"""Real servers the distributed tests run against, started on 127.0.0.1 by the suite.

``redis.RedisServer`` is Debian's ``redis-server`` (installed as root like the test WordPress);
``s3.S3Server`` is moto's standalone S3-compatible server. ``fixtures`` is the pytest plugin.
"""
