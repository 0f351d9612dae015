"""Which addresses the crawl may contact besides the site the user gave.

The user's own host may be anything (their choice: an intranet wiki, a test site on
``127.0.0.1``). Every other host the crawl is told to visit (a REST root the site advertises, a
redirect, a media CDN) must resolve to public addresses only: a public site must not be able to
point the crawler at ``169.254.169.254`` (cloud metadata), ``10.0.0.7`` or ``localhost``. Hosts
and networks of the ``WORDPRESS_ALLOWED_ADDRESSES`` setting are let through, for intranet sites.

The check is on the resolved addresses (see :class:`crawler.middlewares.AddressPolicyMiddleware`
for when it runs); a host is refused if any of its addresses is not public, since the download
may connect to any of them.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def address_of(host: str) -> IPAddress | None:
    """``host`` as an IP address if it is an address literal (brackets and zone allowed).

    >>> address_of("10.0.0.7"), address_of("[::1]"), address_of("e.com")
    (IPv4Address('10.0.0.7'), IPv6Address('::1'), None)
    """
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, NAT64), which is the one
    actually reached.

    >>> embedded_ipv4(ipaddress.ip_address("::ffff:10.0.0.7"))
    IPv4Address('10.0.0.7')
    >>> embedded_ipv4(ipaddress.ip_address("64:ff9b::a9fe:a9fe"))
    IPv4Address('169.254.169.254')
    >>> embedded_ipv4(ipaddress.ip_address("2606:4700::1")) is None
    True
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is, or ``None`` for a public one.

    >>> [non_public_kind(ipaddress.ip_address(a)) for a in (
    ...     "93.184.216.34", "10.0.0.7", "169.254.169.254", "127.0.0.1", "0.0.0.0", "224.0.0.1",
    ...     "100.64.0.1", "240.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1",
    ...     "2606:4700::1111")]  # doctest: +NORMALIZE_WHITESPACE
    [None, 'private', 'link-local', 'loopback', 'unspecified', 'multicast', 'non-public',
     'reserved', 'loopback', 'link-local', 'private', 'loopback', None]
    """
    inner = embedded_ipv4(address)
    if inner is not None:
        return non_public_kind(inner)
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flag:
            return kind
    return None if address.is_global else "non-public"


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks let through although not public (``WORDPRESS_ALLOWED_ADDRESSES``)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, value: str | Iterable[str] | None) -> AllowList:
        """From the setting: a list, a comma-separated string, or a JSON list (``-s``).

        >>> AllowList.parse("10.0.0.0/8, wiki.corp ,192.168.1.5")
        AllowList(hosts=frozenset({'wiki.corp'}), networks=(IPv4Network('10.0.0.0/8'), IPv4Network('192.168.1.5/32')))
        >>> AllowList.parse('["fd00::/8"]').networks
        (IPv6Network('fd00::/8'),)
        >>> AllowList.parse(None)
        AllowList(hosts=frozenset(), networks=())
        """
        if value is None:
            return cls()
        if isinstance(value, str):
            text = value.strip()
            items = json.loads(text) if text.startswith("[") else text.split(",")
        else:
            items = list(value)
        hosts, networks = set(), []
        for raw in items:
            item = str(raw).strip().lower()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(item)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower() in self.hosts

    def allows(self, address: IPAddress) -> bool:
        inner = embedded_ipv4(address)
        return any(
            a in network
            for a in (address, inner)
            if a is not None
            for network in self.networks
            if network.version == a.version
        )


def refusal(
    host: str,
    addresses: Collection[str],
    allowed: AllowList = AllowList(),
    own: Iterable[str] = (),
) -> str | None:
    """Why the crawl must not contact ``host`` resolved to ``addresses``, or ``None`` if it may.

    ``own`` are the addresses of the user's own host, which are their choice.

    >>> refusal("api.e.com", ["93.184.216.34", "2606:2800::1"]) is None
    True
    >>> refusal("internal.test", ["10.0.0.7"])
    'internal.test resolves to 10.0.0.7, a private address'
    >>> refusal("x.test", ["93.184.216.34", "::ffff:169.254.169.254"])
    'x.test resolves to ::ffff:169.254.169.254, a link-local address'
    >>> refusal("internal.test", ["10.0.0.7"], AllowList.parse("10.0.0.0/24")) is None
    True
    >>> refusal("wiki.corp", ["10.9.9.9"], AllowList.parse("wiki.corp")) is None
    True
    >>> refusal("localhost", ["127.0.0.1"], own=["127.0.0.1"]) is None
    True
    >>> refusal("gone.example", [])
    'gone.example does not resolve, so its address cannot be checked'
    """
    if allowed.allows_host(host):
        return None
    if not addresses:
        # Refused rather than left to the download: its own lookup may get another answer,
        # and behind an HTTP proxy the proxy would resolve the name beyond the policy's reach.
        return f"{host} does not resolve, so its address cannot be checked"
    own_addresses = {a for a in (address_of(o) for o in own) if a is not None}
    for text in addresses:
        address = address_of(text)
        if address is None:
            return f"{host} resolves to {text!r}, which is not an IP address"
        if address in own_addresses or allowed.allows(address):
            continue
        kind = non_public_kind(address)
        if kind is not None:
            return f"{host} resolves to {text}, a {kind} address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, as the download will look them up (blocking; an
    empty list when it does not resolve)."""
    literal = address_of(host)
    if literal is not None:
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]).split("%", 1)[0] for info in infos})
