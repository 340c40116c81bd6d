"""PAdES signatures on the discharge documents: made by a certificate of the hospital's CA, judged
valid by pyHanko's own validator, and refused on every kind of tampering or re-signing."""

import asyncio
import io
import random
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
import time_machine
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from bedside.documents.certificates import issue_signing_cert, make_ca
from bedside.documents.discharge import fee_list_pdf, invoice_pdf, settlement_list_pdf
from bedside.documents.signing import (
    Outcome,
    SigningIdentity,
    Trust,
    check_signature,
    document_hash,
    sign_pdf,
)
from tests.unit.test_discharge_documents import (
    make_fee_list,
    make_invoice,
    make_lines,
    make_settlement,
    pdf_text,
)

HOSPITAL = "北京市第一人民医院"


def make_identity(hospital: str = HOSPITAL, ca: tuple[bytes, bytes] | None = None) -> SigningIdentity:
    ca_key, ca_cert = ca or make_ca(f"CA of {hospital}")
    key, cert = issue_signing_cert(ca_key, ca_cert, f"{hospital} 电子文书签名", hospital)
    return SigningIdentity(key, cert, ca_cert)


@pytest.fixture(scope="module")
def ca() -> tuple[bytes, bytes]:
    return make_ca("Test CA")


@pytest.fixture(scope="module")
def identity(ca) -> SigningIdentity:
    return make_identity(ca=ca)


@pytest.fixture(scope="module")
def signed_invoice(identity) -> bytes:
    return sign_pdf(invoice_pdf(make_invoice()), identity)


def pyhanko_status(pdf: bytes, ca_pem: bytes):  # type: ignore[no-untyped-def]
    (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    der = x509.load_pem_x509_certificate(ca_pem).public_bytes(serialization.Encoding.DER)
    root = asn1_x509.Certificate.load(der)
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    return embedded, validate_pdf_signature(embedded, context)


def signed_ranges(signed: bytes) -> list[range]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)
    assert match
    a, b, c, d = (int(n) for n in match.groups())
    return [range(a, a + b), range(c, c + d)]


def test_document_hash_changes_with_any_byte():
    data = invoice_pdf(make_invoice())
    digest = document_hash(data)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == document_hash(invoice_pdf(make_invoice()))
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    assert document_hash(bytes(changed)) != digest


@pytest.mark.parametrize("kind", ["e_invoice", "fee_list", "settlement_list"])
def test_every_document_kind_is_a_valid_trusted_pades_signature(ca, identity, kind):
    render = {
        "e_invoice": lambda: invoice_pdf(make_invoice()),
        "fee_list": lambda: fee_list_pdf(make_fee_list(make_lines(40))),
        "settlement_list": lambda: settlement_list_pdf(make_settlement()),
    }[kind]
    before = datetime.now(UTC).replace(microsecond=0)
    signed = sign_pdf(render(), identity)
    embedded, status = pyhanko_status(signed, ca[1])
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES, not adbe.pkcs7
    check = check_signature(signed, identity.trust)
    assert check.outcome is Outcome.VALID
    assert check.signer == f"{HOSPITAL} 电子文书签名"
    assert check.signed_at is not None and before <= check.signed_at <= datetime.now(UTC)


def test_signed_pdf_still_reads_and_unsigned_or_broken_files_are_refused(identity, signed_invoice):
    assert "¥4,369.56" in pdf_text(signed_invoice)
    assert check_signature(invoice_pdf(make_invoice()), identity.trust).outcome is Outcome.UNSIGNED
    assert check_signature(b"%PDF-1.7 not really", identity.trust).outcome is Outcome.UNREADABLE
    half = check_signature(signed_invoice[: len(signed_invoice) // 2], identity.trust)
    assert not half.valid


def test_a_self_made_certificate_in_the_hospitals_name_is_another_signer(identity):
    """A forger's own CA, and its certificate copying the hospital's name to the letter."""
    forger = make_identity()
    signed = sign_pdf(invoice_pdf(make_invoice()), forger)
    assert check_signature(signed, forger.trust).valid  # a good signature, just not the hospital's
    check = check_signature(signed, identity.trust)
    assert check.outcome is Outcome.OTHER_SIGNER
    assert check.signer == f"{HOSPITAL} 电子文书签名"


def test_a_self_signed_certificate_in_the_hospitals_name_is_another_signer(identity):
    # The very subject of the hospital's certificate: only the trust check tells them apart.
    hospital_subject = x509.load_pem_x509_certificate(identity.cert_pem).subject
    forged_key, forged_cert = _self_signed(hospital_subject)
    signed = sign_pdf(invoice_pdf(make_invoice()), SigningIdentity(forged_key, forged_cert))
    check = check_signature(signed, identity.trust)
    assert check.outcome is Outcome.OTHER_SIGNER and check.signer == f"{HOSPITAL} 电子文书签名"


def _self_signed(subject: x509.Name) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, cert.public_bytes(serialization.Encoding.PEM)


def test_another_holder_of_a_certificate_from_the_same_ca_is_another_signer(ca, identity):
    neighbour = make_identity("隔壁医院", ca=ca)
    signed = sign_pdf(invoice_pdf(make_invoice()), neighbour)
    check = check_signature(signed, identity.trust)
    assert check.outcome is Outcome.OTHER_SIGNER and check.signer == "隔壁医院 电子文书签名"


def test_documents_signed_before_a_renewal_still_check_out(ca, identity, signed_invoice):
    renewed = make_identity(ca=ca)
    assert renewed.cert_pem != identity.cert_pem
    assert check_signature(signed_invoice, renewed.trust).valid


def test_a_self_signed_hospital_certificate_is_its_own_trust_anchor():
    key, cert = make_ca(HOSPITAL)
    signed = sign_pdf(settlement_list_pdf(make_settlement()), SigningIdentity(key, cert))
    assert check_signature(signed, Trust(cert)).valid
    assert check_signature(signed, make_identity().trust).outcome is Outcome.OTHER_SIGNER


def test_signing_refuses_a_key_that_is_not_the_certificates(identity):
    other = make_identity()
    with pytest.raises(ValueError, match="does not belong"):
        sign_pdf(invoice_pdf(make_invoice()), SigningIdentity(identity.key_pem, other.cert_pem))
    with pytest.raises(ValueError):
        sign_pdf(invoice_pdf(make_invoice()), SigningIdentity(identity.key_pem, b"not a certificate"))


def test_a_password_protected_key_signs_with_its_password(identity):
    key = serialization.load_pem_private_key(identity.key_pem, password=None)
    locked = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    with_password = SigningIdentity(locked, identity.cert_pem, identity.chain_pem, b"s3cret")
    assert check_signature(sign_pdf(invoice_pdf(make_invoice()), with_password), identity.trust).valid
    with pytest.raises((ValueError, TypeError)):
        sign_pdf(invoice_pdf(make_invoice()), SigningIdentity(locked, identity.cert_pem, password=b"no"))


def test_changed_byte_in_the_amounts_content_stream_breaks_the_signature(identity, signed_invoice):
    reader = pypdf.PdfReader(io.BytesIO(signed_invoice))
    contents = reader.pages[0].raw_get("/Contents")
    assert isinstance(contents, pypdf.generic.IndirectObject)
    obj = re.search(rb"\n%d 0 obj" % contents.idnum, signed_invoice)
    assert obj
    stream_at = signed_invoice.index(b"stream", obj.end()) + len(b"stream\n")
    for offset in (stream_at + 10, stream_at + 200, stream_at + 500):
        changed = bytearray(signed_invoice)
        changed[offset] ^= 0x20
        assert check_signature(bytes(changed), identity.trust).outcome in (Outcome.BROKEN, Outcome.UNREADABLE)


def test_any_changed_byte_in_the_signed_ranges_fails(identity, signed_invoice):
    positions = [i for span in signed_ranges(signed_invoice) for i in span]
    for offset in random.Random(20261130).sample(positions, 25):
        changed = bytearray(signed_invoice)
        changed[offset] ^= 0x01
        assert not check_signature(bytes(changed), identity.trust).valid, offset


def test_rerendered_amount_with_the_genuine_signature_spliced_in_fails(identity, signed_invoice):
    """An invoice re-rendered with a larger cash amount, signed by a forger, then given the
    genuine signature container: it claims the hospital's signature over other content."""
    forged_invoice = make_invoice(cash_fen=136956, personal_account_fen=0)
    # A long name makes the forger's signature container the larger one, so the genuine one fits
    # in its place, padded with zeros as signature containers are.
    forged = sign_pdf(invoice_pdf(forged_invoice), make_identity("伪造" * 7))

    def contents(pdf: bytes) -> re.Match[bytes]:
        match = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", pdf)
        assert match
        return match

    genuine, fake = contents(signed_invoice), contents(forged)
    padded = genuine.group(1).ljust(len(fake.group(1)), b"0")
    assert len(padded) == len(fake.group(1))
    spliced = forged[: fake.start(1)] + padded + forged[fake.end(1) :]
    assert "¥1,369.56" in pdf_text(spliced)
    assert check_signature(spliced, identity.trust).outcome is Outcome.BROKEN
    assert check_signature(signed_invoice, identity.trust).valid


def append_cover(signed: bytes) -> bytes:
    """A white box drawn over the amounts in an incremental update after the signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    cover = generic.StreamObject(stream_data=b"q 1 1 1 rg 300 60 120 20 re f Q")
    page["/Contents"] = generic.ArrayObject([page["/Contents"], writer.add_object(cover)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_content_appended_after_signing_is_not_covered(identity, signed_invoice):
    tampered = append_cover(signed_invoice)
    assert tampered.startswith(signed_invoice)
    check = check_signature(tampered, identity.trust)
    assert check.outcome is Outcome.NOT_WHOLE_FILE
    assert check.signer == f"{HOSPITAL} 电子文书签名"


def test_an_update_appended_and_signed_by_someone_else_is_not_covered(identity, signed_invoice):
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign import signers

    forger = make_identity()
    cert = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(forger.cert_pem).public_bytes(serialization.Encoding.DER)
    )
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=load_private_key_from_pemder_data(forger.key_pem, passphrase=None),
        cert_registry=None,
    )
    meta = signers.PdfSignatureMetadata(field_name="Forger", md_algorithm="sha256")
    writer = IncrementalPdfFileWriter(io.BytesIO(append_cover(signed_invoice)))
    tampered = signers.PdfSigner(meta, signer=signer).sign_pdf(writer).getvalue()
    assert len(PdfFileReader(io.BytesIO(tampered)).embedded_signatures) == 2
    assert check_signature(tampered, forger.trust).valid  # the forger's own signature is fine
    assert check_signature(tampered, identity.trust).outcome is Outcome.NOT_WHOLE_FILE


def test_sign_and_check_from_async_code(identity):
    async def in_handler() -> bool:
        signed = sign_pdf(settlement_list_pdf(make_settlement()), identity)
        return check_signature(signed, identity.trust).valid

    # A thread of its own: the browser tests' Playwright may already run a loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, in_handler()).result()


def test_signature_still_checks_out_after_the_certificate_expires():
    start = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        ca_key, ca_cert = make_ca("short-lived CA", valid_days=2)
        key, cert = issue_signing_cert(ca_key, ca_cert, "short-lived", HOSPITAL, valid_days=1)
        identity = SigningIdentity(key, cert, ca_cert)
        signed = sign_pdf(settlement_list_pdf(make_settlement()), identity)
    with time_machine.travel(start + timedelta(days=3650), tick=False):
        assert check_signature(signed, identity.trust).valid
