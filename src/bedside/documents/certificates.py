"""The hospital's signing certificate: where it comes from, and the demo CA that stands in for a
real one in demo and test mode.

Production names PEM files in the settings (BEDSIDE_SIGNING_KEY_FILE, BEDSIDE_SIGNING_CERT_FILE,
BEDSIDE_SIGNING_CHAIN_FILE, BEDSIDE_SIGNING_KEY_PASSWORD), issued by a CA that the people who
check the documents trust. Demo and test mode without them use a demo CA and certificate under
var/signing/, made on first use (or by `bedside signing-cert`). Anywhere else without them,
issuing or checking a document fails with `SigningUnavailable`: an unsigned PDF is never handed
out, because nothing could later tell it from a forgery.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bedside.core.errors import DomainError
from bedside.core.i18n import N_
from bedside.documents.signing import SigningIdentity, Trust
from bedside.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from bedside.settings import Settings

log = logging.getLogger("bedside.documents.signing")

DEMO_DIR = PROJECT_ROOT / "var" / "signing"
CA_VALID_DAYS = 10 * 365
# The certificate only has to be valid when signing: a copy is checked at the signing time it
# carries, so documents kept for decades outlive it. Renew it (same CA, same name) before then.
CERT_VALID_DAYS = 3 * 365
# Covers a clock that is corrected backwards between making a certificate and first signing.
BACKDATE = timedelta(hours=1)
DEMO_CA_ORG = "Bedside demo"


class SigningUnavailable(DomainError):
    status = 503
    code = "signing_unavailable"
    message = N_("Documents cannot be issued or checked right now. Please ask at the discharge window.")


@dataclass(frozen=True)
class DemoFiles:
    folder: Path

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca-key.pem"

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def key(self) -> Path:
        return self.folder / "signing-key.pem"

    @property
    def cert(self) -> Path:
        return self.folder / "signing-cert.pem"

    def complete(self) -> bool:
        return all(p.is_file() for p in (self.ca_key, self.ca_cert, self.key, self.cert))


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certs,
        content_commitment=not sign_certs,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_ca(common_name: str, valid_days: int = CA_VALID_DAYS) -> tuple[bytes, bytes]:
    """A new P-256 CA key and its self-signed certificate, as (key PEM, certificate PEM). It may
    only issue end-entity certificates (path length 0)."""
    if not common_name.strip():
        raise ValueError("a CA needs a name")
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name.strip(), DEMO_CA_ORG)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign_certs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _key_pem(key), cert.public_bytes(serialization.Encoding.PEM)


def issue_signing_cert(
    ca_key_pem: bytes,
    ca_cert_pem: bytes,
    common_name: str,
    organization: str,
    valid_days: int = CERT_VALID_DAYS,
) -> tuple[bytes, bytes]:
    """A new P-256 key and a certificate for it issued by the CA, as (key PEM, certificate PEM):
    a leaf limited to digital signature and non-repudiation, so it cannot vouch for others.
    The key PEM is unencrypted PKCS#8: the caller stores it as a secret."""
    if not common_name.strip() or not organization.strip():
        raise ValueError("a signing certificate needs a name and an organisation")
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey) or ca_key.public_key() != ca_cert.public_key():
        raise ValueError("the CA key does not belong to the CA certificate")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    # A leaf outliving its CA would fail path validation for its last years.
    not_after = min(now + timedelta(days=valid_days), ca_cert.not_valid_after_utc)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name.strip(), organization.strip()))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign_certs=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return _key_pem(key), cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    # Created 0600 rather than narrowed afterwards: a key is never readable by others, not even
    # for a moment.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(path)


def write_demo_files(folder: Path, hospital_name: str, *, renew: bool = False) -> DemoFiles:
    """The demo CA and the hospital's certificate in `folder`, made if missing.

    An existing CA is kept; `renew` issues a fresh signing certificate under it, so documents
    signed with the previous one still check out.
    """
    files = DemoFiles(folder)
    if files.complete() and not renew:
        return files
    if files.ca_key.is_file() and files.ca_cert.is_file():
        ca_key, ca_cert = files.ca_key.read_bytes(), files.ca_cert.read_bytes()
    else:
        ca_key, ca_cert = make_ca(f"Bedside demo CA · {hospital_name.strip()}")
        _write(files.ca_key, ca_key, secret=True)
        _write(files.ca_cert, ca_cert, secret=False)
    key, cert = issue_signing_cert(ca_key, ca_cert, f"{hospital_name.strip()} 电子文书签名", hospital_name)
    _write(files.key, key, secret=True)
    _write(files.cert, cert, secret=False)
    return files


def _files(settings: Settings) -> tuple[Path, Path, Path | None]:
    """(key, certificate, chain) files: the configured ones, else the demo set where allowed."""
    if settings.signing_cert_file is not None and settings.signing_key_file is not None:
        return settings.signing_key_file, settings.signing_cert_file, settings.signing_chain_file
    if settings.demo or settings.testing:
        demo = write_demo_files(DEMO_DIR, settings.hospital_name)
        return demo.key, demo.cert, demo.ca_cert
    log.error(
        "no document signing certificate: set BEDSIDE_SIGNING_KEY_FILE, BEDSIDE_SIGNING_CERT_FILE "
        "and BEDSIDE_SIGNING_CHAIN_FILE; documents are not issued until then"
    )
    raise SigningUnavailable(code="signing_not_configured")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        log.error("cannot read the document signing %s %s: %s", what, path, exc.strerror)
        raise SigningUnavailable() from exc


def hospital_identity(settings: Settings) -> SigningIdentity:
    """The key, certificate and chain documents are signed with, checked to belong together."""
    key_file, cert_file, chain_file = _files(settings)
    password = settings.signing_key_password.encode() or None
    identity = SigningIdentity(
        key_pem=_read(key_file, "key"),
        cert_pem=_read(cert_file, "certificate"),
        chain_pem=_read(chain_file, "chain") if chain_file else b"",
        password=password,
    )
    try:
        key = serialization.load_pem_private_key(identity.key_pem, password=password)
        cert = x509.load_pem_x509_certificate(identity.cert_pem)
        if identity.chain_pem.strip():
            x509.load_pem_x509_certificates(identity.chain_pem)
    except (ValueError, TypeError) as exc:
        # Not the exception's text: for a wrong password it is only "Bad decrypt".
        log.error("the document signing key, certificate or chain does not load (wrong password?)")
        raise SigningUnavailable() from exc
    if key.public_key() != cert.public_key():
        log.error("BEDSIDE_SIGNING_KEY_FILE is not the key of BEDSIDE_SIGNING_CERT_FILE")
        raise SigningUnavailable()
    if not _signs_documents(cert):
        # Signed anyway, every document would fail every check (pyHanko's, Acrobat's, ours).
        log.error("BEDSIDE_SIGNING_CERT_FILE lacks the digitalSignature and nonRepudiation key usages")
        raise SigningUnavailable()
    return identity


def _signs_documents(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no restriction
    return usage.digital_signature and usage.content_commitment


def hospital_trust(settings: Settings) -> Trust:
    """What a copy brought to the verification page is checked against; needs no key."""
    _, cert_file, chain_file = _files(settings)
    cert_pem = _read(cert_file, "certificate")
    chain_pem = _read(chain_file, "chain") if chain_file else b""
    try:
        x509.load_pem_x509_certificate(cert_pem)
        if chain_pem.strip():
            x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        log.error("the document signing certificate or chain does not load")
        raise SigningUnavailable() from exc
    return Trust(cert_pem, chain_pem)
