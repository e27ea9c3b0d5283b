"""MQTTS with any client certificate, through pyOpenSSL (no ctypes, no private struct offsets).

Devices' certificates are self-signed and unknown to any CA: identity comes from the SHA-256
fingerprint matched at CONNECT (auth.py), not from a chain (facts F.2), and an unknown
certificate must still reach CONNECT to be refused there with return code 5. Python's `ssl`
cannot request a client certificate without verifying its chain, and asyncio's TLS only takes
an `ssl.SSLContext`; pyOpenSSL exposes OpenSSL's verify callback. So the MQTTS listener accepts
plain TCP and `TlsStream` runs TLS itself over memory BIOs: ciphertext in from the socket,
plaintext out to the broker, and the reverse for writes.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL, crypto

if TYPE_CHECKING:
    from simulator.mqtt.ca import LocalCA

ALPN_PROTOCOLS = (b"mqttv311", b"mqtt")
CHUNK = 64 * 1024


def _accept_any(connection: SSL.Connection, cert: crypto.X509, errno: int, depth: int, ok: int) -> bool:
    """Every presented certificate passes TLS; CONNECT decides by its fingerprint (auth.py)."""
    return True


def _select_alpn(connection: SSL.Connection, offered: list[bytes]) -> Any:
    """`mqttv311` (or `mqtt`) when offered; otherwise carry on without ALPN, as Python's ssl does."""
    return next((p for p in ALPN_PROTOCOLS if p in offered), SSL.NO_OVERLAPPING_PROTOCOLS)


def mqtts_context(ca: LocalCA) -> SSL.Context:
    """Server context of the MQTTS listener: our server certificate, ALPN `mqttv311`, any client cert."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.use_certificate_file(str(ca.server_cert_path))
    context.use_privatekey_file(str(ca.server_key_path))
    context.check_privatekey()
    context.set_alpn_select_callback(_select_alpn)
    context.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, _accept_any)
    context.set_session_id(b"olt-sim-mqtts")
    context.set_mode(SSL.MODE_RELEASE_BUFFERS)  # an idle session holds no record buffers: 13 KiB less each
    return context


class PeerCertificate:
    """The part of `ssl.SSLObject` amqtt's session and auth.py read: the client's certificate."""

    def __init__(self, der: bytes | None) -> None:
        self._der = der

    def getpeercert(self, binary_form: bool = False) -> bytes | None:
        return self._der if binary_form else None


class TlsStream:
    """One server-side TLS connection over an asyncio stream pair."""

    def __init__(self, context: SSL.Context, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connection = SSL.Connection(context, None)  # None: memory BIOs
        self._connection.set_accept_state()
        self._reader, self._writer = reader, writer
        self.peer = PeerCertificate(None)

    async def handshake(self) -> None:
        """Complete the handshake; raises SSL.Error (alert sent) or ConnectionError."""
        while True:
            try:
                self._connection.do_handshake()
                break
            except SSL.WantReadError:
                self._flush()
                await self._receive_ciphertext()
            except SSL.Error:
                self._flush()
                raise
        self._flush()
        cert = self._connection.get_peer_certificate(as_cryptography=True)
        self.peer = PeerCertificate(cert.public_bytes(Encoding.DER) if cert is not None else None)

    async def _receive_ciphertext(self) -> None:
        data = await self._reader.read(CHUNK)
        if not data:
            raise ConnectionError("the peer closed the connection during TLS")
        self._connection.bio_write(data)

    def _flush(self) -> None:
        """Send what OpenSSL has written to the outgoing BIO."""
        while True:
            try:
                data = self._connection.bio_read(CHUNK)
            except SSL.WantReadError:
                return
            self._writer.write(data)

    async def read(self) -> bytes:
        """The next plaintext bytes; b"" at the end of the stream."""
        while True:
            try:
                data: bytes = self._connection.recv(CHUNK)
            except SSL.WantReadError:
                self._flush()  # TLS 1.3 may answer (key update) while reading
                try:
                    await self._receive_ciphertext()
                except ConnectionError:
                    return b""
                continue
            except SSL.Error:  # close_notify, a reset or a bad record: the stream ends here
                return b""
            self._flush()
            return data

    def write(self, data: bytes) -> None:
        self._connection.sendall(data)
        self._flush()

    def close(self) -> None:
        """Say close_notify (best effort) before the socket closes."""
        try:
            self._connection.shutdown()
        except SSL.Error:
            return
        self._flush()
