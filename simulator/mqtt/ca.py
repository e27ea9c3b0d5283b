"""The simulator's local certificate authority and its server certificate (EC P-256).

The CA key is random, made on first use and kept (0600) in the state directory, or in the
per-user cache without one (keyfiles.py), so clients keep trusting the same CA. The CA
certificate carries X.509 name constraints limited to the names the simulator serves
(`localhost`, 127.0.0.1, ::1 and the domain's `api.`, `id.` and `mqtt.` hosts): trusting it
cannot let anyone impersonate another site. It is re-issued when those names change. The
server certificate (with a fresh key) is re-issued on every start for the same names.
"""

from __future__ import annotations

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

from simulator.identity.keyfiles import key_home, load_or_generate, private_key_pem
from simulator.persistence.files import write_atomically

if TYPE_CHECKING:
    from simulator.runtime import Simulator

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server-key.pem"
HOST_PREFIXES = ("api", "id", "mqtt")
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")


def tls_validity_window(days: int) -> tuple[datetime, datetime]:
    """Validity from yesterday for `days` days, by the REAL wall clock, not the simulator clock:
    TLS peers check certificates against real time, whatever the simulated time is."""
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    return start, start + timedelta(days=days)


def _new_ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def server_names(domain: str | None) -> list[str]:
    names = ["localhost"]
    if domain:
        names += [f"{prefix}.{domain}" for prefix in HOST_PREFIXES]
    return names


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def name_constraints(names: list[str]) -> x509.NameConstraints:
    """What the CA may vouch for: exactly the served host names and the loopback addresses."""
    permitted: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    permitted += [x509.IPAddress(ipaddress.ip_network(a)) for a in LOOPBACK_ADDRESSES]
    return x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None)


def _issue_ca(key: ec.EllipticCurvePrivateKey, names: list[str]) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "olt-simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, "olt-simulator local CA"),
        ]
    )
    not_before, not_after = tls_validity_window(3650)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(name_constraints(names), critical=True)
        .sign(key, hashes.SHA256())
    )


def _issue_server(
    ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, names: list[str]
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_ec_key()
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in LOOPBACK_ADDRESSES]
    not_before, not_after = tls_validity_window(397)  # within what browsers accept for a leaf
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[-1])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
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
    def load_or_create(cls, state_dir: Path | None, domain: str | None = None) -> LocalCA:
        """The CA of `state_dir` (made there on first use); without one, files in a temporary directory."""
        if state_dir is None:
            directory = Path(tempfile.mkdtemp(prefix="olt-sim-ca-"))
        else:
            directory = state_dir
            directory.mkdir(parents=True, exist_ok=True)
        names = server_names(domain)
        ca_key = load_or_generate(key_home(state_dir) / CA_KEY_FILE, ec.EllipticCurvePrivateKey, _new_ec_key)
        ca_cert = _reusable_ca(directory / CA_FILE, ca_key, names)
        if ca_cert is None:
            ca_cert = _issue_ca(ca_key, names)
            write_atomically(directory / CA_FILE, _pem(ca_cert), mode=0o644)
        server_cert, server_key = _issue_server(ca_cert, ca_key, names)
        write_atomically(directory / SERVER_KEY_FILE, private_key_pem(server_key))
        write_atomically(directory / SERVER_CERT_FILE, _pem(server_cert), mode=0o644)
        ca = cls(directory, ca_cert, server_cert, names)
        if state_dir is None:
            weakref.finalize(ca, shutil.rmtree, directory, True)
        return ca


def _reusable_ca(path: Path, key: ec.EllipticCurvePrivateKey, names: list[str]) -> x509.Certificate | None:
    """The stored CA certificate if it is still right: our key, the same names, not about to expire."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    try:
        constraints = cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return None  # made before name constraints: issue a constrained one
    fresh = cert.not_valid_after_utc - datetime.now(UTC) > timedelta(days=30)
    same_key = cert.public_key() == key.public_key()
    return cert if fresh and same_key and constraints == name_constraints(names) else None


def ca_for(sim: Simulator) -> LocalCA:
    """The one local CA of a simulator (MQTTS and HTTPS share it), made on first use."""
    ca = sim.local_ca
    if ca is None:
        settings = sim.settings
        ca = sim.local_ca = LocalCA.load_or_create(settings.state_dir, settings.domain)
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
