"""Log lines that a site cannot forge or use to drive a terminal.

Sites choose strings that reach the log: their name, page titles in error messages, REST error
messages, custom type names, records quoted in warnings. An ANSI escape in them recolours or
rewrites the user's terminal; a newline starts a fake log line. Rather than trusting every
place that logs to quote site strings (``%r`` does, ``%s`` does not, and Scrapy's own messages
are out of our hands), one filter on the log handlers cleans every formatted message: escape
sequences and control characters (C0, DEL, C1) are removed, and line breaks become spaces
unless the message's own template has them (Scrapy's stats dump is multi-line by design).
The same filter replaces the secrets registered with :func:`redact` (an authenticated crawl's
application password, in every form; the secret settings and URI passwords a user set, such as
``AWS_SECRET_ACCESS_KEY``, which Scrapy itself logs among the overridden settings) by
``<redacted>``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# ESC followed by a CSI sequence, an OSC/DCS/APC/PM/SOS string (to BEL or ST), or one character.
_ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_BREAK = re.compile("[\r\n\u2028\u2029\x0b\x0c\x1c-\x1e\x85]+")


def safe_for_log(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without escape sequences and control characters; line breaks become one space
    unless ``keep_newlines`` (then only ``\\n`` stays). Tabs stay.

    >>> safe_for_log("\\x1b[31mRed\\x1b[0m \\x1b]0;title\\x07site\\x07\\x00")
    'Red site'
    >>> safe_for_log("a\\nERROR: fake\\r\\u2028b\\x85c")
    'a ERROR: fake b c'
    >>> safe_for_log("stats:\\n{'a': 1}", keep_newlines=True)
    "stats:\\n{'a': 1}"
    """
    if text.isascii() and text.isprintable():
        return text
    text = _ESCAPE.sub("", text)
    if keep_newlines:
        return _CONTROL.sub("", text)
    return _CONTROL.sub("", _BREAK.sub(" ", text))


_SECRETS: list[str] = []
"""Strings never written to the log, longest first (see :func:`redact`)."""


def redact(secrets: list[str]) -> None:
    """Never let ``secrets`` reach the log: every record's message, with its arguments, is
    written with them replaced by ``<redacted>``.

    >>> redact(["s3cr3t-pw"])
    >>> record = logging.LogRecord("x", logging.INFO, "", 0, "got %s", ("a s3cr3t-pw b",), None)
    >>> LOG_FILTER.filter(record), record.getMessage()
    (True, 'got a <redacted> b')
    """
    for secret in secrets:
        if len(secret) >= 4 and secret not in _SECRETS:  # a shorter one would eat plain words
            _SECRETS.append(secret)
    _SECRETS.sort(key=len, reverse=True)


def without_secrets(text: str) -> str:
    """``text`` with every registered secret replaced (see :func:`redact`)."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "<redacted>")
    return text


_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL")
_URI_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:]*:([^/@\s]+)@", re.IGNORECASE)
MAX_SECRET_SCAN = 1000
"""Settings and URIs looked at per crawl, at most."""


def settings_secrets(overridden: dict[str, Any]) -> list[str]:
    """The secrets among settings a user set: the values of settings named like a secret
    (``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``*_PASSWORD``) and the passwords of
    ``user:password@`` URIs in any setting (``FEEDS``' keys, ``FILES_STORE``, a Redis URL).

    >>> settings_secrets({"AWS_SECRET_ACCESS_KEY": "k3y", "AWS_SESSION_TOKEN": "t0k",
    ...     "FEEDS": {"s3://id:pw1@b/x": {}}, "STATE_URI": "redis://:pw2@h:6379/0", "A": 1})
    ['k3y', 't0k', 'pw1', 'pw2']
    """
    secrets: list[str] = []
    for name, value in list(overridden.items())[:MAX_SECRET_SCAN]:
        if _SECRET_NAME.search(name) and isinstance(value, str) and value:
            secrets.append(value)
        texts = [*map(str, value)][:MAX_SECRET_SCAN] if isinstance(value, Mapping) else [str(value)]
        for text in texts:
            secrets.extend(_URI_PASSWORD.findall(text[:100_000]))
    return secrets


class SafeLogFilter(logging.Filter):
    """Cleans each record's message with :func:`safe_for_log` before any handler writes it,
    and takes out the secrets of :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        template = record.msg if isinstance(record.msg, str) else ""
        try:
            message = formatted = record.getMessage()
        except Exception as exc:  # noqa: BLE001 - a value that cannot be shown, never a traceback
            message, formatted = (
                f"{template} (a value in this message could not be shown: {exc})",
                "",
            )
        clean = safe_for_log(message, keep_newlines="\n" in template)
        if _SECRETS:
            clean = without_secrets(clean)
            if record.exc_info and not record.exc_text:  # a traceback's lines too
                record.exc_text = without_secrets(
                    logging.Formatter().formatException(record.exc_info)
                )
        if clean != formatted:
            record.msg, record.args = clean, None
        return True


LOG_FILTER = SafeLogFilter()

SECRET_LOGGERS = ("scrapy.crawler", "scrapy.utils.log")
"""Loggers that write settings before the spider opens (Scrapy's "Overridden settings")."""


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger) that writes lines out,
    once; handlers that only watch (the crawl outcome's error witness sees DEBUG records too)
    need no clean text, and cleaning every record for them would cost a message format each."""
    for handler in (logger or logging.getLogger()).handlers:
        if isinstance(handler, logging.StreamHandler) and LOG_FILTER not in handler.filters:
            handler.addFilter(LOG_FILTER)


class SafeLog:
    """Extension: puts the filter on the root log handlers when the spider opens.

    Not earlier: Scrapy replaces its root handler after the extensions are built, and no site
    string is logged before the spider opens. (Scrapy is imported here only, so the pure
    modules can use :func:`safe_for_log`.)
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy import signals  # noqa: PLC0415 - the pure modules import this one
        from scrapy.settings import SETTINGS_PRIORITIES  # noqa: PLC0415

        # Scrapy logs the overridden settings in clear once the extensions are built (keys and
        # tokens given with -s included): their secrets are registered now, and that logger
        # gets the filter itself, since the root handlers get it only when the spider opens.
        settings = crawler.settings
        redact(
            settings_secrets(
                {
                    name: settings[name]
                    for name in settings
                    if (settings.getpriority(name) or 0) > SETTINGS_PRIORITIES["default"]
                }
            )
        )
        for name in SECRET_LOGGERS:
            named = logging.getLogger(name)
            if LOG_FILTER not in named.filters:
                named.addFilter(LOG_FILTER)
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        install()


def safe_uri(uri: str) -> str:
    """A URI without its credentials, for logs and messages.

    >>> safe_uri("redis://:s3cret@h:6379/0"), safe_uri("s3://KEY:SECRET@bucket/x")
    ('redis://h:6379/0', 's3://bucket/x')
    """
    parts = urlsplit(uri)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
