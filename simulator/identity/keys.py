"""The realm's RSA signing key: random, kept on disk (keyfiles.py), published as a JWK."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.utils import to_base64url_uint

from simulator.identity.keyfiles import key_home, load_or_generate

REALM_KEY_FILE = "realm-key.pem"


def generate_realm_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def load_or_create_key(state_dir: Path | None) -> rsa.RSAPrivateKey:
    """The realm key of the state directory (or of the per-user cache), made on first use."""
    return load_or_generate(key_home(state_dir) / REALM_KEY_FILE, rsa.RSAPrivateKey, generate_realm_key)


class RealmKey:
    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        der = self.public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.public_key_b64 = base64.b64encode(der).decode()
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")

    def jwk(self) -> dict[str, Any]:
        numbers = self.public_key.public_numbers()
        return {
            "kid": self.kid,
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "n": to_base64url_uint(numbers.n).decode(),
            "e": to_base64url_uint(numbers.e).decode(),
        }
