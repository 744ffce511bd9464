"""Health probes of the parts: an HTTP answer, a SIP ``OPTIONS`` answered 200 (RFC 3261 §11)."""

from __future__ import annotations

import asyncio
import secrets

import aiohttp


async def http_ok(url: str, headers: dict[str, str] | None = None, timeout_s: float = 2.0) -> bool:
    """``url`` answers with a status below 500."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as client, \
                client.get(url, headers=headers or {}, allow_redirects=False) as resp:
            return resp.status < 500
    except (aiohttp.ClientError, TimeoutError, OSError):
        return False


def options_request(host: str, port: int, local_port: int) -> tuple[bytes, str]:
    """An out-of-dialog OPTIONS to ``host:port`` from ``local_port``, and its branch."""
    branch = "z9hG4bK" + secrets.token_hex(8)
    text = (f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:{local_port};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:health@{host}>;tag={secrets.token_hex(4)}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: {secrets.token_hex(12)}@{host}\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n")
    return text.encode(), branch


class _Reply(asyncio.DatagramProtocol):
    def __init__(self, branch: str) -> None:
        self.branch = branch
        self.status: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        text = data.decode("utf-8", "replace")
        if text.startswith("SIP/2.0 ") and self.branch in text and not self.status.done():
            code = int(text[8:11])
            if code >= 200:
                self.status.set_result(code)


async def sip_ok(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """``host:port`` answers an OPTIONS over UDP with 200."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(lambda: _Reply(""), local_addr=(host, 0))
    try:
        local_port = transport.get_extra_info("sockname")[1]
        data, protocol.branch = options_request(host, port, local_port)
        for _ in range(2):  # UDP: once more if the first is lost
            transport.sendto(data, (host, port))
            try:
                return await asyncio.wait_for(asyncio.shield(protocol.status), timeout_s / 2) == 200
            except TimeoutError:
                continue
        return False
    finally:
        transport.close()


class _Pong(asyncio.DatagramProtocol):
    def __init__(self, cookie: bytes) -> None:
        self.cookie = cookie
        self.reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if data.startswith(self.cookie + b" ") and not self.reply.done():
            self.reply.set_result(data[len(self.cookie) + 1:])


async def rtpengine_ok(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """rtpengine's control socket answers the ng protocol's ``ping`` with ``pong``."""
    loop = asyncio.get_running_loop()
    cookie = secrets.token_hex(6).encode()
    transport, protocol = await loop.create_datagram_endpoint(lambda: _Pong(cookie), local_addr=(host, 0))
    try:
        transport.sendto(cookie + b" d7:command4:pinge", (host, port))
        try:
            return b"pong" in await asyncio.wait_for(protocol.reply, timeout_s)
        except TimeoutError:
            return False
    finally:
        transport.close()
