"""Device client certificates for virtual devices, made the way OLT's docs tell users to make them.

A self-signed EC P-256 certificate with subject O=<tenant>, CN=<device> (facts F.2), registered
through `sim.certificates.create_certificate` (the backend of POST /devices/{id}/certificates).
The key is derived from the device's random stream, so the same seed gives the same key pair.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# order of the P-256 group: private keys are integers in [1, n - 1]
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def issue_certificate(tenant: str, device: str, rng: random.Random, now: datetime) -> tuple[str, str]:
    """(certificate PEM, private key PEM) of a self-signed device certificate valid for a year."""
    key = ec.derive_private_key(rng.randrange(1, _P256_ORDER), ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, tenant[:64] or "tenant"),
            x509.NameAttribute(NameOID.COMMON_NAME, device[:64] or "device"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(rng.getrandbits(63) + 1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert_pem, key_pem
