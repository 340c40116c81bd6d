"""`bedside kiosk-release`: a key pair, a signed bundle from a directory, and the check a kiosk
makes: the built bundle passes, a changed byte does not."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bedside.cli import app

runner = CliRunner()


def test_keygen_build_verify_and_a_tampered_bundle(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert runner.invoke(app, ["kiosk-release", "keygen", "--out-dir", str(keys)]).exit_code == 0
    assert runner.invoke(app, ["kiosk-release", "keygen", "--out-dir", str(keys)]).exit_code == 1  # kept
    source = tmp_path / "src"
    (source / "kiosk").mkdir(parents=True)
    (source / "kiosk" / "index.html").write_text("<html>1</html>")
    (source / "agent").mkdir()
    (source / "agent" / "VERSION").write_text("2026.12.1")
    out = tmp_path / "out"
    args = ["kiosk-release", "build", "--version", "2026.12.1", "--from", str(source), "--key"]
    result = runner.invoke(app, [*args, str(keys / "release.key.pem"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    bundle = out / "bedside-kiosk-2026.12.1.tar.gz"
    check = ["kiosk-release", "verify", str(bundle), "--public-key", str(keys / "release.pub.pem")]
    result = runner.invoke(app, check)
    assert result.exit_code == 0 and "2 files" in result.output
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bundle.write_bytes(bytes(data))
    result = runner.invoke(app, check)
    assert result.exit_code == 1 and "bad_signature" in result.output
    result = runner.invoke(
        app, [*args, str(keys / "release.key.pem"), "--out", str(out), "--version", "../x"]
    )
    assert result.exit_code != 0
