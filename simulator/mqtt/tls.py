"""TLS contexts: the MQTTS listener accepts ANY client certificate (devices' are self-signed).

Python's `ssl` cannot request a client certificate without also verifying its chain, and
device certificates are self-signed and unknown to any CA: identity comes from the SHA-256
fingerprint matched at CONNECT (auth.py), not from the chain (facts F.2). So the OpenSSL
verify callback of the context is replaced by one that accepts every certificate, through
ctypes on the `SSL_CTX` that CPython wraps. The pointer is checked against the context's
verify mode and options before it is used; if it does not match, we refuse to start rather
than guess.
"""

from __future__ import annotations

import _ssl
import ctypes
import ssl
from functools import cache
from typing import Any

from simulator.mqtt.ca import LocalCA

ALPN_PROTOCOLS = ["mqttv311", "mqtt"]
_SSL_VERIFY_PEER = 0x01
_SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 0x02
_VerifyCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


def _accept(preverify_ok: int, store_context: int | None) -> int:
    return 1


_ACCEPT_ANY = _VerifyCallback(_accept)  # module-level: must outlive every context using it


@cache
def _libssl() -> Any:
    # the libssl that _ssl itself is linked against (a built-in _ssl: the interpreter's own symbols)
    lib = ctypes.CDLL(getattr(_ssl, "__file__", None))
    lib.SSL_CTX_set_verify.argtypes = [ctypes.c_void_p, ctypes.c_int, _VerifyCallback]
    lib.SSL_CTX_set_verify.restype = None
    lib.SSL_CTX_get_verify_mode.argtypes = [ctypes.c_void_p]
    lib.SSL_CTX_get_verify_mode.restype = ctypes.c_int
    lib.SSL_CTX_get_options.argtypes = [ctypes.c_void_p]
    lib.SSL_CTX_get_options.restype = ctypes.c_uint64
    return lib


def accept_any_client_certificate(context: ssl.SSLContext) -> None:
    """Require a client certificate but accept whichever one is presented."""
    context.verify_mode = ssl.CERT_REQUIRED
    lib = _libssl()
    pointer = ctypes.c_void_p.from_address(id(context) + object.__basicsize__).value  # PySSLContext.ctx
    required = _SSL_VERIFY_PEER | _SSL_VERIFY_FAIL_IF_NO_PEER_CERT
    if not pointer or lib.SSL_CTX_get_verify_mode(pointer) != required or lib.SSL_CTX_get_options(pointer) != int(
        context.options
    ):
        raise RuntimeError("cannot reach the OpenSSL context behind ssl.SSLContext on this Python build")
    lib.SSL_CTX_set_verify(pointer, required, _ACCEPT_ANY)


def mqtts_context(ca: LocalCA) -> ssl.SSLContext:
    """Server context of the MQTTS listener: our server certificate, ALPN `mqttv311`, any client cert."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(ca.server_cert_path, ca.server_key_path)
    context.set_alpn_protocols(ALPN_PROTOCOLS)
    accept_any_client_certificate(context)
    return context
