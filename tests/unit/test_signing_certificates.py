"""The hospital's signing certificate: the demo CA and certificate as `bedside demo` and
`bedside signing-cert` write them, and the certificate the settings name, or a clear refusal."""

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from bedside.documents import certificates
from bedside.documents.certificates import (
    SigningUnavailable,
    hospital_identity,
    hospital_trust,
    issue_signing_cert,
    make_ca,
    write_demo_files,
)
from bedside.documents.discharge import settlement_list_pdf
from bedside.documents.signing import check_signature, sign_pdf
from bedside.settings import Settings
from tests.unit.test_discharge_documents import make_settlement

SECRET = "a-production-secret-Wq8x3LrT9vNb2KpZ7mYc4HdF6gJs1Ae5"


def settings(**values: object) -> Settings:
    """Production settings (neither demo nor test mode) with no signing files unless given."""
    base: dict[str, object] = {
        "demo": False,
        "testing": False,
        "secret_key": SECRET,
        "signing_key_file": None,
        "signing_cert_file": None,
        "signing_chain_file": None,
        "signing_key_password": "",
    }
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[call-arg]


def test_demo_ca_and_signing_certificate():
    ca_key_pem, ca_pem = make_ca("Demo CA")
    key_pem, cert_pem = issue_signing_cert(ca_key_pem, ca_pem, "测试医院 电子文书签名", "测试医院")
    ca, cert = x509.load_pem_x509_certificate(ca_pem), x509.load_pem_x509_certificate(cert_pem)

    ca_constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert ca_constraints.critical and ca_constraints.value.ca and ca_constraints.value.path_length == 0
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign

    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=3 * 365) <= lifetime <= timedelta(days=3 * 365 + 1)
    assert cert.not_valid_after_utc <= ca.not_valid_after_utc
    assert serialization.load_pem_private_key(key_pem, None).public_key() == cert.public_key()


def test_certificates_refuse_empty_names_and_a_foreign_ca_key():
    ca_key, ca_cert = make_ca("CA")
    other_key, _ = make_ca("other CA")
    with pytest.raises(ValueError, match="name"):
        make_ca(" ")
    with pytest.raises(ValueError, match="name"):
        issue_signing_cert(ca_key, ca_cert, "x", " ")
    with pytest.raises(ValueError, match="does not belong"):
        issue_signing_cert(other_key, ca_cert, "x", "y")


def test_a_leaf_never_outlives_its_ca():
    ca_key, ca_cert = make_ca("short CA", valid_days=30)
    _, cert_pem = issue_signing_cert(ca_key, ca_cert, "x", "y", valid_days=3 * 365)
    cert, ca = x509.load_pem_x509_certificate(cert_pem), x509.load_pem_x509_certificate(ca_cert)
    assert cert.not_valid_after_utc == ca.not_valid_after_utc


def test_demo_files_are_made_once_keys_private_and_renewal_keeps_the_ca(tmp_path: Path):
    files = write_demo_files(tmp_path / "signing", "测试医院")
    assert files.complete()
    for key in (files.key, files.ca_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = {p: p.read_bytes() for p in (files.ca_cert, files.ca_key, files.key, files.cert)}
    assert write_demo_files(tmp_path / "signing", "测试医院") == files
    assert {p: p.read_bytes() for p in first} == first

    signed = sign_pdf(settlement_list_pdf(make_settlement()), hospital_identity(configured(files)))
    write_demo_files(tmp_path / "signing", "测试医院", renew=True)
    assert files.ca_cert.read_bytes() == first[files.ca_cert]
    assert files.cert.read_bytes() != first[files.cert]
    # Signed with the certificate before the renewal: still the hospital's under the same CA.
    assert check_signature(signed, hospital_trust(configured(files))).valid


def configured(files: certificates.DemoFiles, **values: object) -> Settings:
    paths = {
        "signing_key_file": files.key,
        "signing_cert_file": files.cert,
        "signing_chain_file": files.ca_cert,
    }
    return settings(**{**paths, **values})


def test_configured_files_give_the_identity_and_trust(tmp_path: Path):
    files = write_demo_files(tmp_path, "测试医院")
    identity = hospital_identity(configured(files))
    assert identity.cert_pem == files.cert.read_bytes()
    assert identity.chain_pem == files.ca_cert.read_bytes()
    assert hospital_trust(configured(files)) == identity.trust


def test_a_password_protected_key_needs_its_password(tmp_path: Path, caplog):
    files = write_demo_files(tmp_path, "测试医院")
    key = serialization.load_pem_private_key(files.key.read_bytes(), None)
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret-pass"),
        )
    )
    assert hospital_identity(configured(files, signing_key_password="s3cret-pass")).password == b"s3cret-pass"
    with pytest.raises(SigningUnavailable):
        hospital_identity(configured(files, signing_key_password="wrong"))
    with pytest.raises(SigningUnavailable):
        hospital_identity(configured(files))
    assert "s3cret-pass" not in caplog.text and "wrong password" in caplog.text


def test_outside_demo_and_test_mode_nothing_is_issued_without_a_certificate(caplog):
    with pytest.raises(SigningUnavailable) as refused:
        hospital_identity(settings())
    assert refused.value.status == 503 and refused.value.code == "signing_not_configured"
    assert "BEDSIDE_SIGNING_CERT_FILE" in caplog.text
    with pytest.raises(SigningUnavailable):
        hospital_trust(settings())


@pytest.mark.parametrize("mode", ["demo", "testing"])
def test_demo_and_test_mode_fall_back_to_the_demo_ca(tmp_path: Path, monkeypatch, mode):
    monkeypatch.setattr(certificates, "DEMO_DIR", tmp_path / "var-signing")
    identity = hospital_identity(settings(**{mode: True}))
    files = certificates.DemoFiles(tmp_path / "var-signing")
    assert files.complete() and identity.cert_pem == files.cert.read_bytes()


def test_a_key_that_is_not_the_certificates_or_a_missing_file_is_refused(tmp_path: Path, caplog):
    files = write_demo_files(tmp_path / "a", "测试医院")
    other = write_demo_files(tmp_path / "b", "测试医院")
    with pytest.raises(SigningUnavailable):
        hospital_identity(configured(files, signing_key_file=other.key))
    assert "is not the key of" in caplog.text
    with pytest.raises(SigningUnavailable):
        hospital_identity(configured(files, signing_cert_file=tmp_path / "missing.pem"))
    assert "missing.pem" in caplog.text


def test_a_certificate_without_non_repudiation_is_refused(tmp_path: Path, caplog):
    files = write_demo_files(tmp_path, "测试医院")
    key = serialization.load_pem_private_key(files.key.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "测试医院")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(SigningUnavailable):
        hospital_identity(configured(files))
    assert "nonRepudiation" in caplog.text


def test_the_key_and_certificate_settings_go_together(tmp_path: Path):
    with pytest.raises(ValidationError, match="set together"):
        settings(signing_key_file=tmp_path / "key.pem")
    with pytest.raises(ValidationError, match="set together"):
        settings(signing_cert_file=tmp_path / "cert.pem")


def test_demo_certificate_is_valid_now():
    ca_key, ca_cert = make_ca("CA")
    _, cert_pem = issue_signing_cert(ca_key, ca_cert, "x", "y")
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert cert.not_valid_before_utc < datetime.now(UTC) < cert.not_valid_after_utc
