"""`bedside kiosk-release`: the release engineer's tools. A key pair (the private key stays
with release engineering, the public key goes to the server and to every kiosk agent), a signed
bundle made from a directory, and a check of a bundle as a kiosk would check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bedside.core import bundles

release_app = typer.Typer(help="Kiosk software bundles: keys, build and sign, verify.", no_args_is_help=True)
console = Console()


@release_app.command("keygen")
def keygen(out_dir: Annotated[Path, typer.Option("--out-dir")] = Path(".")) -> None:
    """Write release.key.pem (keep it offline) and release.pub.pem (give it to the server and kiosks)."""
    private, public = bundles.new_release_key()
    out_dir.mkdir(parents=True, exist_ok=True)
    key = out_dir / "release.key.pem"
    if key.exists():
        console.print(f"[red]{key} exists: not overwritten[/red]")
        raise typer.Exit(1)
    key.write_bytes(private)
    key.chmod(0o600)
    (out_dir / "release.pub.pem").write_bytes(public)
    console.print(f"wrote {key} and {out_dir / 'release.pub.pem'}")


@release_app.command("build")
def build(
    version: Annotated[str, typer.Option("--version")],
    source: Annotated[Path, typer.Option("--from", help="a directory: kiosk/ assets and agent/ package")],
    key: Annotated[Path, typer.Option("--key", help="the release private key (PEM)")],
    out: Annotated[Path, typer.Option("--out")] = Path("."),
) -> None:
    """Pack every file under --from into a bundle and sign it: writes NAME.tar.gz and NAME.tar.gz.sig."""
    paths = sorted(p for p in source.rglob("*") if p.is_file())
    files = {p.relative_to(source).as_posix(): p.read_bytes() for p in paths}
    if not files:
        console.print(f"[red]{source} has no files[/red]")
        raise typer.Exit(1)
    try:
        bundle = bundles.build(version, files)
        signature = bundles.sign(bundle, key.read_bytes())
    except bundles.BundleRefused as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.text}")
        raise typer.Exit(1) from exc
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"bedside-kiosk-{version}.tar.gz"
    target.write_bytes(bundle)
    target.with_name(target.name + ".sig").write_bytes(signature)
    console.print(f"wrote {target} ({len(files)} files, sha256 {bundles.sha256_hex(bundle)})")


@release_app.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument()],
    public_key: Annotated[Path, typer.Option("--public-key")],
    signature: Annotated[Path | None, typer.Option("--signature")] = None,
) -> None:
    """Check a bundle as a kiosk agent would, before publishing it."""
    sig = signature or bundle.with_name(bundle.name + ".sig")
    try:
        manifest = bundles.verify(bundle.read_bytes(), sig.read_bytes(), public_key.read_bytes())
    except bundles.BundleRefused as exc:
        console.print(f"[red]refused: {exc.code}[/red] {exc.text}")
        raise typer.Exit(1) from exc
    console.print(f"[green]ok[/green]: version {manifest.version}, {len(manifest.files)} files")
