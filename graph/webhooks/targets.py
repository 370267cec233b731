"""Safe webhook targets: http(s) only, and never an address inside our own networks.

A target is checked when it is registered and again at every attempt: the name is resolved
and every address it gives must be public (not loopback, private, link-local, multicast or
otherwise reserved). At delivery the check sits in the HTTP client's resolver, so the
connection goes to exactly the addresses that were checked: a name that resolves to a
public address for the check and to 127.0.0.1 a moment later (DNS rebinding) cannot slip
through. INVOICEGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS=true turns the address check off.
"""

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

SCHEMES = ("http", "https")


class TargetRefused(OSError):
    """The target is not one we deliver to; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def address_refusal(address: str) -> str | None:
    """What kind of address it is when it may not be a target ("a loopback address"), or
    None when it is a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flag in (
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("an unspecified", ip.is_unspecified),
        ("a private", ip.is_private),
        ("a reserved (not public)", not ip.is_global),
    ):
        if flag:
            return f"{kind} address"
    return None


def parse_target(url: str) -> URL:
    """The URL if its form is acceptable (http(s), a host, no credentials); else TargetRefused."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        raise TargetRefused(f"{url!r} is not a URL") from None
    if parsed.scheme not in SCHEMES:
        raise TargetRefused("the URL must start with http:// or https://")
    if not parsed.host:
        raise TargetRefused("the URL has no host")
    if parsed.user is not None or parsed.password is not None:
        raise TargetRefused("the URL may not hold credentials")
    if parsed.fragment:
        raise TargetRefused("the URL may not have a fragment")
    return parsed


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class TargetPolicy:
    """Which targets this process delivers to; also the resolver its HTTP client uses."""

    def __init__(self, allow_private: bool = False, resolver: AbstractResolver | None = None):
        self.allow_private = allow_private
        self.resolver = resolver
        """Resolves names (None: the system's resolver); tests put a table here."""

    def check_addresses(self, host: str, addresses: list[str]) -> None:
        if self.allow_private:
            return
        for address in addresses:
            refusal = address_refusal(address)
            if refusal is not None:
                where = f"{host} is" if _literal(host) else f"{host} resolves to {address},"
                raise TargetRefused(
                    f"{where} {refusal}: webhooks go to public addresses only (or set "
                    "INVOICEGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS=true on a private deployment)"
                )

    async def check(self, url: str) -> URL:
        """Form and addresses of a target (at registration); TargetRefused says what is wrong."""
        parsed = parse_target(url)
        host = parsed.raw_host or ""
        literal = _literal(host)
        if literal is not None:
            self.check_addresses(host, [literal])
            return parsed
        inner = self.resolver or DefaultResolver()
        try:
            found = await inner.resolve(host, parsed.port or 0, socket.AF_UNSPEC)
        except OSError:
            raise TargetRefused(f"the host {host} does not resolve") from None
        finally:
            if self.resolver is None:
                await inner.close()
        self.check_addresses(host, [result["host"] for result in found])
        return parsed

    def check_literal(self, url: URL) -> None:
        """At delivery: an address written in the URL never reaches the resolver."""
        literal = _literal(url.raw_host or "")
        if literal is not None:
            self.check_addresses(url.raw_host or "", [literal])


class CheckedResolver(AbstractResolver):
    """Resolves a target's name and refuses it unless every address is allowed: the
    connection then goes to the addresses returned here, the ones checked."""

    def __init__(self, policy: TargetPolicy) -> None:
        self.policy = policy
        self._system = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await (self.policy.resolver or self._system).resolve(host, port, family)
        self.policy.check_addresses(host, [result["host"] for result in found])
        return found

    async def close(self) -> None:
        await self._system.close()
