"""Secrets a user gives as settings never reach the log, Scrapy's "Overridden settings" included."""

from __future__ import annotations

import logging
import pprint

from scrapy.utils.test import get_crawler

from crawler.logsafety import SafeLog


def test_overridden_settings_are_logged_without_keys_tokens_or_uri_passwords(caplog):
    shown = {
        "AWS_SECRET_ACCESS_KEY": "sk-cmdline-1234",
        "AWS_SESSION_TOKEN": "tok-project-5678",
        "FEEDS": {"s3://AKID:uri-pw-9012@bucket/%(site)s/x.jsonl": {}},
    }
    SafeLog.from_crawler(get_crawler(settings_dict=shown))
    with caplog.at_level(logging.INFO, logger="scrapy.crawler"):
        logging.getLogger("scrapy.crawler").info(
            "Overridden settings:\n%(settings)s", {"settings": pprint.pformat(shown)}
        )
    (message,) = [record.getMessage() for record in caplog.records]
    for secret in ("sk-cmdline-1234", "tok-project-5678", "uri-pw-9012"):
        assert secret not in message
    assert message.count("<redacted>") == 3
    assert "AKID" in message  # an access key id is not a secret, and helps to debug
