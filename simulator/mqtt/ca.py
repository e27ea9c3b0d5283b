"""The simulator's local certificate authority and its server certificate (EC P-256).

The CA key is derived from the seed, so one seed gives one CA; with a state directory the CA
is written there on first use and loaded afterwards (clients keep trusting the same `ca.pem`).
The server certificate is re-issued on every start for `localhost`, 127.0.0.1, ::1 and the
configured domain's `api.`, `id.` and `mqtt.` hosts.
"""

from __future__ import annotations

import hashlib
import ipaddress
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from simulator.runtime import Simulator

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server-key.pem"
HOST_PREFIXES = ("api", "id", "mqtt")
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def tls_validity_window(days: int) -> tuple[datetime, datetime]:
    """Validity from yesterday for `days` days, by the REAL wall clock, not the simulator clock:
    TLS peers check certificates against real time, whatever the simulated time is."""
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    return start, start + timedelta(days=days)


def _digest(seed: str, label: str) -> bytes:
    return hashlib.sha256(f"olt-sim-tls/{label}/{seed}".encode()).digest()


def seeded_ec_key(seed: str, label: str) -> ec.EllipticCurvePrivateKey:
    """A deterministic P-256 key per seed and purpose."""
    return ec.derive_private_key(int.from_bytes(_digest(seed, label), "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def _serial(seed: str, label: str) -> int:
    return int.from_bytes(_digest(seed, "serial/" + label)[:19], "big") | 1


def server_names(domain: str | None) -> list[str]:
    names = ["localhost"]
    if domain:
        names += [f"{prefix}.{domain}" for prefix in HOST_PREFIXES]
    return names


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    encoding, pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return key.private_bytes(encoding, pkcs8, serialization.NoEncryption())


def _issue_ca(seed: str, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "olt-simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"olt-simulator local CA (seed {seed})"),
        ]
    )
    not_before, not_after = tls_validity_window(3650)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial(seed, "ca"))
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _issue_server(
    seed: str, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, domain: str | None
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = seeded_ec_key(seed, "server")
    names = server_names(domain)
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    not_before, not_after = tls_validity_window(397)  # within what browsers accept for a leaf
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[-1])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(_serial(seed, "server/" + ",".join(names)))
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


@dataclass
class LocalCA:
    """The CA and server certificate, as objects and as files in `directory` (for uvicorn, curl...)."""

    directory: Path
    ca_cert: x509.Certificate
    server_cert: x509.Certificate
    names: list[str]

    @property
    def ca_pem_path(self) -> Path:
        return self.directory / CA_FILE

    @property
    def server_cert_path(self) -> Path:
        return self.directory / SERVER_CERT_FILE

    @property
    def server_key_path(self) -> Path:
        return self.directory / SERVER_KEY_FILE

    @property
    def ca_pem(self) -> str:
        return _pem(self.ca_cert).decode()

    @classmethod
    def load_or_create(cls, seed: str, state_dir: Path | None, domain: str | None = None) -> LocalCA:
        """Load the CA from `state_dir` (or create it there); without one, use a temporary directory."""
        if state_dir is None:
            directory = Path(tempfile.mkdtemp(prefix="olt-sim-ca-"))
        else:
            directory = state_dir
            directory.mkdir(parents=True, exist_ok=True)
        ca_path, ca_key_path = directory / CA_FILE, directory / CA_KEY_FILE
        if ca_path.exists() and ca_key_path.exists():
            ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
            loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{ca_key_path} is not an EC private key")
            ca_key = loaded
        else:
            ca_key = seeded_ec_key(seed, "ca")
            ca_cert = _issue_ca(seed, ca_key)
            _write(ca_key_path, _key_pem(ca_key))
            _write(ca_path, _pem(ca_cert))
        server_cert, server_key = _issue_server(seed, ca_cert, ca_key, domain)
        _write(directory / SERVER_KEY_FILE, _key_pem(server_key))
        _write(directory / SERVER_CERT_FILE, _pem(server_cert))
        ca = cls(directory, ca_cert, server_cert, server_names(domain))
        if state_dir is None:
            weakref.finalize(ca, shutil.rmtree, directory, True)
        return ca


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    if path.name.endswith("key.pem"):
        path.chmod(0o600)


def ca_for(sim: Simulator) -> LocalCA:
    """The one local CA of a simulator (MQTTS and HTTPS share it), made on first use."""
    ca = sim.local_ca
    if ca is None:
        settings = sim.settings
        ca = sim.local_ca = LocalCA.load_or_create(str(settings.seed), settings.state_dir, settings.domain)
    return ca


def trust_banner(ca: LocalCA, domain: str | None, https_port: int, http_url: str) -> list[str]:
    """What `olt-sim serve --tls` prints: host names to resolve and how to make clients trust ca.pem."""
    path = ca.ca_pem_path
    lines = [
        f"  HTTPS:      port {https_port}, certificate for {', '.join(ca.names)}, 127.0.0.1, ::1",
        f"  Plain HTTP: {http_url}",
    ]
    if domain:
        suffix = "" if https_port == 443 else f":{https_port}"
        lines += [
            f"  Platform:   https://api.{domain}{suffix}/v1  https://id.{domain}{suffix}/v1/id/auth/realms/olt",
            "  Add to /etc/hosts:",
            f"    127.0.0.1 api.{domain} id.{domain} mqtt.{domain}",
        ]
    lines += [
        f"  Local CA:   {path} (also GET /_sim/ca.pem); to trust it (SSL_CERT_FILE trusts ONLY this CA):",
        f"    export SSL_CERT_FILE={path} REQUESTS_CA_BUNDLE={path} NODE_EXTRA_CA_CERTS={path} CURL_CA_BUNDLE={path}",
    ]
    return lines
