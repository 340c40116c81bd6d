"""The `bedside` command, run in process."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from bedside.cli import app
from bedside.staff.models import StaffUser

runner = CliRunner()


def test_create_admin_and_refuse_weak_password(session):
    ok = runner.invoke(
        app,
        ["create-admin", "chief", "--name", "王主任"],
        input="a-long-enough-password\na-long-enough-password\n",
    )
    assert ok.exit_code == 0, ok.output
    user = session.scalar(select(StaffUser).where(StaffUser.username == "chief"))
    assert user is not None and user.roles == {"admin"}
    weak = runner.invoke(app, ["create-admin", "chief2"], input="short\nshort\n")
    assert weak.exit_code == 1 and "weak_password" in weak.output


def test_seed_command_is_idempotent():
    first = runner.invoke(app, ["seed", "--beds", "40", "--seed", "3"])
    assert first.exit_code == 0, first.output
    assert "demo hospital created" in first.output and "/kiosk/activate?key=bk_" in first.output
    second = runner.invoke(app, ["seed", "--beds", "40", "--seed", "3"])
    assert second.exit_code == 0 and "nothing added" in second.output


def test_db_check_reports_no_drift():
    result = runner.invoke(app, ["db", "check"])
    assert result.exit_code == 0 and "no drift" in result.output


def test_sandbox_bills_writes_the_days_files(tmp_path):
    result = runner.invoke(app, ["sandbox-bills", "--date", "2026-11-01", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "20881021776000010156_20261101.csv.zip",
        "wechat_tradebill_1900000109_20261101_ALL.csv.gz",
        "wechat_tradebill_1900000109_20261101_ALL.csv.sha1",
    ]
    bad = runner.invoke(app, ["sandbox-bills", "--date", "yesterday"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_signing_cert_makes_a_demo_ca_and_renews_under_it(tmp_path):
    from cryptography import x509

    result = runner.invoke(app, ["signing-cert", "--out", str(tmp_path), "--name", "示范医院"])
    assert result.exit_code == 0, result.output
    assert f"BEDSIDE_SIGNING_CERT_FILE={tmp_path / 'signing-cert.pem'}" in result.output
    assert f"BEDSIDE_SIGNING_CHAIN_FILE={tmp_path / 'ca.pem'}" in result.output
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    cert = x509.load_pem_x509_certificate((tmp_path / "signing-cert.pem").read_bytes())
    cert.verify_directly_issued_by(ca)
    assert "示范医院" in cert.subject.rfc4514_string()

    renewed = runner.invoke(app, ["signing-cert", "--out", str(tmp_path), "--name", "示范医院", "--renew"])
    assert renewed.exit_code == 0, renewed.output
    assert x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes()) == ca
    again = x509.load_pem_x509_certificate((tmp_path / "signing-cert.pem").read_bytes())
    assert again != cert
    again.verify_directly_issued_by(ca)
    assert again.subject == cert.subject  # renewed in the same name: older documents still check out
