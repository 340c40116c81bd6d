"""Kiosk software bundles: one gzipped tar holding `manifest.json` and the files it lists (the
kiosk pages' assets and the agent's package), with a detached Ed25519 signature over the
archive's SHA-256. The release engineer signs offline; the server checks a bundle before it
may be published, and each kiosk agent checks it again before applying it, against its own
copy of the release public key, so neither a tampered download nor a compromised server can
put unsigned software on a kiosk. Standard library and `cryptography` only: the agent uses it."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MANIFEST = "manifest.json"
FORMAT = 1
PRODUCT = "bedside-kiosk"
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,39}$")
MAX_BUNDLE_BYTES = 200 * 1024 * 1024


class BundleRefused(Exception):
    """Why a bundle may not be installed; `code` is stable, the text is for the log."""

    def __init__(self, code: str, text: str) -> None:
        self.code, self.text = code, text
        super().__init__(f"{code}: {text}")


@dataclass(frozen=True)
class Manifest:
    version: str
    files: Mapping[str, str]  # archive path -> SHA-256 hex


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name not in ("", ".")


def build(version: str, files: Mapping[str, bytes]) -> bytes:
    """The archive for `files` (archive path -> content), reproducible: fixed times and owners."""
    if not VERSION_PATTERN.match(version):
        raise BundleRefused("bad_version", f"version {version!r} is not a release version")
    manifest = {
        "format": FORMAT,
        "product": PRODUCT,
        "version": version,
        "files": {name: sha256_hex(data) for name, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [(MANIFEST, json.dumps(manifest, sort_keys=True).encode()), *sorted(files.items())]:
            if not _safe_member(name):
                raise BundleRefused("bad_path", f"{name!r} is not a relative path")
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sign(bundle: bytes, private_key_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleRefused("bad_key", "the release key must be an Ed25519 private key")
    return key.sign(hashlib.sha256(bundle).digest())


def new_release_key() -> tuple[bytes, bytes]:
    """(private PEM, public PEM) for a new release signing key."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise BundleRefused("bad_key", "the release public key cannot be read") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise BundleRefused("bad_key", "the release public key must be Ed25519")
    return key


def verify(
    bundle: bytes, signature: bytes, public_key_pem: bytes, *, expected_sha256: str | None = None
) -> Manifest:
    """The bundle's manifest once everything checks: size, hash, signature, every file's hash.
    Raises BundleRefused with the first thing that does not."""
    if len(bundle) > MAX_BUNDLE_BYTES:
        raise BundleRefused("too_large", f"{len(bundle)} bytes")
    digest = hashlib.sha256(bundle)
    if expected_sha256 is not None and digest.hexdigest() != expected_sha256.lower():
        raise BundleRefused("hash_mismatch", "the download's SHA-256 is not the published one")
    try:
        load_public_key(public_key_pem).verify(signature, digest.digest())
    except InvalidSignature as exc:
        raise BundleRefused("bad_signature", "the bundle is not signed by the release key") from exc
    return _manifest(bundle)


def _manifest(bundle: bytes) -> Manifest:
    try:
        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise BundleRefused("no_manifest", "the bundle has no manifest.json")
            raw = json.loads(_read(tar, members[MANIFEST]))
            files = raw.get("files")
            version = raw.get("version")
            if raw.get("format") != FORMAT or raw.get("product") != PRODUCT or not isinstance(files, dict):
                raise BundleRefused("bad_manifest", "not a Bedside kiosk manifest")
            if not isinstance(version, str) or not VERSION_PATTERN.match(version):
                raise BundleRefused("bad_manifest", "the manifest's version is not valid")
            extra = set(members) - set(files) - {MANIFEST}
            if extra:
                raise BundleRefused("unlisted_file", f"{sorted(extra)[0]} is not in the manifest")
            for name, expected in files.items():
                member = members.get(name)
                if member is None or not member.isfile() or not _safe_member(name):
                    raise BundleRefused("missing_file", f"{name} is missing or not a plain file")
                if sha256_hex(_read(tar, member)) != expected:
                    raise BundleRefused("file_mismatch", f"{name} does not match the manifest")
            return Manifest(version=version, files=dict(files))
    except (tarfile.TarError, OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleRefused("bad_archive", "the bundle is not a readable gzipped tar") from exc


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise BundleRefused("missing_file", f"{member.name} is not a plain file")
    return handle.read()


def unpack(bundle: bytes, manifest: Manifest, target: Path) -> None:
    """Writes the manifest's files under `target` (a new, empty directory). Call after verify."""
    target.mkdir(parents=True, exist_ok=False)
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
        for name in [*manifest.files, MANIFEST]:
            out = target.joinpath(*PurePosixPath(name).parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(_read(tar, tar.getmember(name)))
