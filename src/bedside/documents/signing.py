"""PAdES signatures on the documents Bedside hands out, and the check of a copy brought back.

A document is signed once, when it is issued, by the hospital's signing certificate (PAdES
baseline B-B: a CMS signature over the whole file with the signing-certificate attribute, the
signing time in the signature dictionary). Any PDF reader, and `pyhanko sign validate --trust
<ca.pem>`, can check it without Bedside.

`check_signature` is the question the verification page asks: did the hospital's certificate
sign exactly these bytes? A copy signed by any other certificate (even one that copies the
hospital's name), a changed byte, or anything appended after signing answers no.

This is Bedside's tamper evidence. It is not a fiscal seal: the legally binding seal of a medical
e-invoice is applied by the fiscal e-invoice platform (财政电子票据平台), and a patient's
reimbursement rests on that platform's copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization

SIGNATURE_FIELD = "HospitalSignature"
SIGNATURE_REASON = "Issued by the hospital (Bedside); not a fiscal seal"

T = TypeVar("T")


@dataclass(frozen=True)
class SigningIdentity:
    """The hospital's key and certificate, and the CA certificates above it (PEM)."""

    key_pem: bytes
    cert_pem: bytes
    chain_pem: bytes = b""
    password: bytes | None = None

    @property
    def trust(self) -> Trust:
        return Trust(self.cert_pem, self.chain_pem)


@dataclass(frozen=True)
class Trust:
    """What a copy is checked against: the hospital's certificate names the signer, and the
    chain's certificates are the trust anchors (the certificate itself when it has no chain).

    The signer is matched by subject, not by the exact certificate, so documents signed before
    the certificate was renewed under the same CA still check out."""

    cert_pem: bytes
    chain_pem: bytes = b""


class Outcome(StrEnum):
    VALID = "valid"
    UNREADABLE = "unreadable"
    UNSIGNED = "unsigned"
    # Signed, but not by a certificate the hospital's CA vouches for under the hospital's name.
    OTHER_SIGNER = "other_signer"
    # The hospital's signature no longer matches the bytes it covers.
    BROKEN = "broken"
    # The hospital's signature is intact, but something was appended after it.
    NOT_WHOLE_FILE = "not_whole_file"


# When a file has several signatures and none is valid, the one that says the most about what
# happened to the hospital's copy is reported.
_RANK = {Outcome.OTHER_SIGNER: 0, Outcome.BROKEN: 1, Outcome.NOT_WHOLE_FILE: 2}


@dataclass(frozen=True)
class SignatureCheck:
    outcome: Outcome
    signer: str | None = None
    signed_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.outcome is Outcome.VALID


def document_hash(pdf: bytes) -> str:
    """SHA-256 hex of the document's bytes: what is stored next to an issued PDF."""
    return hashlib.sha256(pdf).hexdigest()


def _pem_certs(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data) if data.strip() else []


def sign_pdf(pdf: bytes, identity: SigningIdentity) -> bytes:
    """`pdf` with an invisible PAdES signature over all of it, appended as an incremental update.

    Blocking; safe to call from async code (it then runs in a worker thread, because pyHanko
    starts its own event loop).
    """
    # pyHanko pulls in aiohttp and lxml (~0.7 s to import): loaded when a document is signed,
    # not whenever this module is imported.
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    # cryptography parses first, so a malformed PEM or a wrong password is refused with a clear
    # error, and a key that is not the certificate's is refused before it makes signatures that
    # never verify.
    leaf = x509.load_pem_x509_certificate(identity.cert_pem)
    key = serialization.load_pem_private_key(identity.key_pem, password=identity.password)
    if key.public_key() != leaf.public_key():
        raise ValueError("the key does not belong to the certificate")
    pems = [c.public_bytes(serialization.Encoding.PEM) for c in [leaf, *_pem_certs(identity.chain_pem)]]
    cert, *chain = load_certs_from_pemder_data(b"".join(pems))
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=load_private_key_from_pemder_data(identity.key_pem, passphrase=identity.password),
        # Embedded in the signature, so a reader that trusts only the root can build the path.
        cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        reason=SIGNATURE_REASON,
        subfilter=fields.SigSeedSubFilter.PADES,
    )

    def sign() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
        return bytes(out.getvalue())

    return off_event_loop(sign)


def check_signature(pdf: bytes, trust: Trust) -> SignatureCheck:
    """Whether the hospital's certificate signed exactly these bytes, who signed and when.

    The certificate is checked at the signing time the signature carries, so documents stay
    checkable after the certificate expires.
    """
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    hospital = x509.load_pem_x509_certificate(trust.cert_pem)
    anchors = _pem_certs(trust.chain_pem) or [hospital]
    anchor_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in anchors)
    roots = list(load_certs_from_pemder_data(anchor_pem))
    subject = hospital.subject.public_bytes()

    def check() -> SignatureCheck:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        if not signatures:
            return SignatureCheck(Outcome.UNSIGNED)
        checks = [_check_one(embedded, subject, roots) for embedded in signatures]
        valid = [c for c in checks if c.valid]
        return valid[0] if valid else max(checks, key=lambda c: _RANK[c.outcome])

    try:
        return off_event_loop(check)
    # A damaged or hand-edited file fails to parse in many ways (pyHanko's PdfError family,
    # ValueError for broken CMS, a lookup into a structure that is not there); for the question
    # asked here each one means "cannot be checked".
    except (PdfError, ValueError, KeyError, IndexError, TypeError):
        return SignatureCheck(Outcome.UNREADABLE)


def _check_one(embedded: Any, subject: bytes, roots: list[Any]) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    cert = embedded.signer_cert
    signer, signed_at = signer_name(cert), embedded.self_reported_timestamp
    if cert.subject.dump() != subject:
        return SignatureCheck(Outcome.OTHER_SIGNER, signer, signed_at)
    context = ValidationContext(
        trust_roots=roots,
        allow_fetching=False,
        moment=signed_at,
    )
    try:
        status = validate_pdf_signature(embedded, context)
    except SignatureValidationError:
        return SignatureCheck(Outcome.BROKEN, signer, signed_at)
    if not (status.intact and status.valid):
        return SignatureCheck(Outcome.BROKEN, signer, signed_at)
    if not status.trusted:
        return SignatureCheck(Outcome.OTHER_SIGNER, signer, signed_at)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(Outcome.NOT_WHOLE_FILE, signer, signed_at)
    return SignatureCheck(Outcome.VALID, signer, signed_at)


def signer_name(cert: Any) -> str:
    """The common name of an asn1crypto certificate (pyHanko's), and its organisation when that
    says something more."""
    names = cert.subject.native
    common, org = names.get("common_name", ""), names.get("organization_name", "")
    if isinstance(common, list):
        common = " ".join(common)
    if isinstance(org, list):
        org = " ".join(org)
    if org and org not in common:
        return f"{common} ({org})" if common else str(org)
    return str(common or cert.subject.human_friendly)


def off_event_loop(work: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    # pyHanko's synchronous calls use asyncio.run, which refuses to start inside a running loop
    # (a FastAPI handler): give the work a thread where no loop runs.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
