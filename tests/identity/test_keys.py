"""Key material: random (not from the seed), kept 0600 and written atomically, reused in-process;
the local CA is name-constrained to the names the simulator serves."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from simulator import Settings
from simulator.identity import keyfiles
from simulator.identity.keys import REALM_KEY_FILE, load_or_create_key
from simulator.mqtt.ca import CA_KEY_FILE, LocalCA
from simulator.persistence.files import write_atomically
from simulator.runtime import Simulator


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_realm_key_is_random_and_kept_private_in_the_state_dir(tmp_path: Path) -> None:
    first = Simulator(Settings(seed=1, state_dir=tmp_path / "a", clock="manual"))
    same_seed = Simulator(Settings(seed=1, state_dir=tmp_path / "b", clock="manual"))
    assert first.key.kid != same_seed.key.kid  # the public seed says nothing about the key
    assert _mode(tmp_path / "a" / REALM_KEY_FILE) == 0o600
    restarted = Simulator(Settings(seed=2, state_dir=tmp_path / "a", clock="manual"))
    assert restarted.key.kid == first.key.kid  # kept across restarts: old tokens still verify


def test_without_a_state_dir_keys_live_in_the_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(keyfiles.CACHE_ENV, str(tmp_path / "cache"))
    sim = Simulator(Settings(clock="manual"))
    stored = serialization.load_pem_private_key((tmp_path / "cache" / REALM_KEY_FILE).read_bytes(), None)
    assert stored.public_key() == sim.key.public_key
    assert _mode(tmp_path / "cache") == 0o700 and _mode(tmp_path / "cache" / REALM_KEY_FILE) == 0o600


def test_a_loaded_key_is_reused_not_read_again(tmp_path: Path) -> None:
    assert load_or_create_key(tmp_path) is load_or_create_key(tmp_path)


def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    keys: list[object] = []

    def start() -> None:
        keys.append(load_or_create_key(tmp_path).public_key())

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({k.public_numbers().n for k in keys}) == 1  # type: ignore[attr-defined]
    assert [p.name for p in tmp_path.iterdir()] == [REALM_KEY_FILE]  # no temporary files left behind


def test_an_existing_file_is_never_overwritten_by_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    assert write_atomically(path, b"first", replace=False)
    assert not write_atomically(path, b"second", replace=False)
    assert path.read_bytes() == b"first" and _mode(path) == 0o600


def test_a_key_file_too_open_is_made_private(tmp_path: Path) -> None:
    load_or_create_key(tmp_path)
    (tmp_path / REALM_KEY_FILE).chmod(0o644)
    keyfiles._loaded.clear()
    load_or_create_key(tmp_path)
    assert _mode(tmp_path / REALM_KEY_FILE) == 0o600


def _leaf_for(name: str, ca: LocalCA, ca_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


OTHER_SITES = ["www.google.com", "example.test", "evil.example.test", "localhost.evil.org", "example.test.evil.org"]


@pytest.mark.parametrize("name", OTHER_SITES)
def test_trusting_the_ca_cannot_vouch_for_other_sites(tmp_path: Path, name: str) -> None:
    """Even with the CA key stolen, a certificate for another name fails the name constraints."""
    ca = LocalCA.load_or_create(tmp_path, "example.test")
    ca_key = serialization.load_pem_private_key((tmp_path / CA_KEY_FILE).read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey) and _mode(tmp_path / CA_KEY_FILE) == 0o600
    verifier = PolicyBuilder().store(Store([ca.ca_cert])).build_server_verifier(x509.DNSName(name))
    with pytest.raises(VerificationError):
        verifier.verify(_leaf_for(name, ca, ca_key), [])


@pytest.mark.parametrize("name", ["localhost", "api.example.test", "id.example.test", "mqtt.example.test"])
def test_the_served_names_verify(tmp_path: Path, name: str) -> None:
    ca = LocalCA.load_or_create(tmp_path, "example.test")
    verifier = PolicyBuilder().store(Store([ca.ca_cert])).build_server_verifier(x509.DNSName(name))
    verifier.verify(ca.server_cert, [])
