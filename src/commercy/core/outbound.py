"""Where the server may send requests that a user chose the address of (a reseller's
Digishare base URL): never to its own machine or network in production.

The address is checked twice: when the URL is saved (a clear 400), and when each connection is
made, after DNS resolution, to the very address the request then goes to (a name that resolved
to a public address yesterday may resolve to 127.0.0.1 today).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from commercy.core.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Cloud providers' instance metadata, refused in every mode.
METADATA_NETWORKS = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fd00:ec2::/32"),
    ipaddress.ip_network("fe80::/10"),
)
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


class OutboundRefused(httpx.ConnectError):
    """A request to an address the policy does not allow; never retried."""


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """Production allows public addresses over https only; development also allows this
    machine and its network (the embedded sandbox, a LAN test server). ``allowed_hosts`` are
    exempt, an operator's explicit choice (an internal proxy to Digishare, say)."""

    public_only: bool
    allowed_hosts: frozenset[str]

    @classmethod
    def of(cls, settings: Settings) -> OutboundPolicy:
        hosts = frozenset(host.strip().lower() for host in settings.outbound_allowed_hosts)
        return cls(public_only=settings.is_production, allowed_hosts=hosts)

    def refusal(self, address: IPAddress) -> str | None:
        """Why a connection to ``address`` is refused, or None."""
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        address = mapped or address
        if any(address in network for network in METADATA_NETWORKS):
            return f"{address} is a link-local (cloud metadata) address"
        if address.is_multicast or address.is_unspecified:
            return f"{address} is not a unicast address"
        if self.public_only and not address.is_global:
            return f"{address} is a loopback, private or reserved address"
        return None

    def exempt(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allowed_hosts

    async def resolve(self, host: str, port: int) -> IPAddress:
        """The first address of ``host`` the policy allows; OutboundRefused when any of its
        addresses is refused (a name must not lead anywhere it may not go)."""
        if host.lower().rstrip(".") in METADATA_HOSTS:
            raise OutboundRefused(f"{host} is a cloud metadata host")
        addresses = await _addresses(host, port)
        for address in addresses:
            if (reason := self.refusal(address)) is not None:
                raise OutboundRefused(f"{host} resolves to {reason}")
        return addresses[0]

    async def check_url(self, url: str) -> str | None:
        """Why a request to ``url`` would be refused, or None (at save time); a name that does
        not resolve yet is not refused."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if self.exempt(host):
            return None
        if self.public_only and parts.scheme != "https":
            return "must use https"
        try:
            await self.resolve(host, _port(parts.scheme, parts.port))
        except OutboundRefused as exc:
            return str(exc)
        except httpx.ConnectError:
            # Not resolvable now (DNS down, offline machine): each connection is checked anyway,
            # and the test-connection endpoint says it is unreachable.
            return None
        return None


def _port(scheme: str, port: int | None) -> int:
    return port or (443 if scheme == "https" else 80)


async def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpx.ConnectError(f"{host} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise httpx.ConnectError(f"{host} does not resolve")
    return addresses


class GuardedTransport(httpx.AsyncBaseTransport):
    """Resolves each request's host, checks the address, and connects to that address (TLS
    still verifies the certificate against the host name), so what was checked is what is
    reached."""

    def __init__(self, policy: OutboundPolicy, inner: httpx.AsyncBaseTransport) -> None:
        self._policy = policy
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if not self._policy.exempt(host):
            port = _port(request.url.scheme, request.url.port)
            address = await self._policy.resolve(host, port)
            request.url = request.url.copy_with(host=str(address))
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
