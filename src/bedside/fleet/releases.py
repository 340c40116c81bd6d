"""Published kiosk software: a bundle is accepted only when its Ed25519 signature checks
against the release engineer's public key (core/bundles.py); the kiosks check it again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit, bundles
from bedside.core.audit import Actor
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.fleet.rollout_models import SoftwareRelease
from bedside.settings import get_settings


class ReleaseRefused(InvalidInput):
    code = "release_refused"
    message = N_(
        "The software bundle was refused ({reason}): it is not signed by the release key or is damaged."
    )


def publish(
    session: Session, actor: Actor, bundle: bytes, signature: bytes, notes: str = ""
) -> SoftwareRelease:
    key_file = get_settings().kiosk_release_public_key_file
    if key_file is None or not key_file.is_file():
        raise ReleaseRefused(
            N_("No release public key is configured (BEDSIDE_KIOSK_RELEASE_PUBLIC_KEY_FILE)."),
            code="no_release_key",
        )
    try:
        manifest = bundles.verify(bundle, signature, key_file.read_bytes())
    except bundles.BundleRefused as exc:
        raise ReleaseRefused(params={"reason": exc.code}) from exc
    if session.scalar(select(SoftwareRelease.id).where(SoftwareRelease.version == manifest.version)):
        raise Conflict(N_("This version is already published."), code="release_exists")
    release = SoftwareRelease(
        version=manifest.version,
        sha256=bundles.sha256_hex(bundle),
        size=len(bundle),
        signature=signature,
        bundle=bundle,
        notes=notes.strip()[:400],
        published_by=actor.label[:100],
    )
    session.add(release)
    session.flush()
    audit.record(
        session, actor, "fleet.release_published", "fleet_release", release.id, version=release.version
    )
    session.commit()
    return release


def releases(session: Session) -> list[SoftwareRelease]:
    return list(session.scalars(select(SoftwareRelease).order_by(SoftwareRelease.published_at.desc())))


def get_release(session: Session, release_id: int) -> SoftwareRelease:
    release = session.get(SoftwareRelease, release_id)
    if release is None:
        raise NotFound()
    return release
