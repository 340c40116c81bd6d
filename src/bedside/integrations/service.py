"""Registering machine clients and checking their keys."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit, ratelimit
from bedside.core.audit import Actor
from bedside.core.auth import token_digest
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from bedside.core.i18n import N_
from bedside.integrations.models import IntegrationClient
from bedside.settings import get_settings

KEY_PREFIX = "bi_"
SCOPES = ("admission_notices", "charges", "reports", "patients", "orders")


class BadClientKey(DomainError):
    status = 401
    code = "integration_key_invalid"
    message = N_("The integration key is missing or not valid.")


def register(session: Session, actor: Actor, name: str, scopes: list[str]) -> tuple[IntegrationClient, str]:
    """Returns the client and its key; the key is shown once."""
    if actor.kind != "system" and not actor.has_role("admin"):
        raise Forbidden()
    name = name.strip()
    if not name or len(name) > 50:
        raise InvalidInput(N_("Give the client a name."), code="invalid_name", field="name")
    if not scopes or any(s not in SCOPES for s in scopes):
        raise InvalidInput(N_("Unknown scope."), code="invalid_scope", field="scopes")
    if session.scalar(select(IntegrationClient.id).where(IntegrationClient.name == name)) is not None:
        raise Conflict(N_("A client with this name already exists."), code="client_exists", field="name")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client = IntegrationClient(
        name=name, scopes=sorted(set(scopes)), key_prefix=prefix, key_hash=token_digest(key)
    )
    session.add(client)
    session.flush()
    audit.record(
        session, actor, "integration.register", "integration_client", client.id, scopes=client.scopes
    )
    session.commit()
    return client, key


def authenticate(session: Session, key: str, scope: str) -> IntegrationClient:
    prefix = key.removeprefix(KEY_PREFIX).split("_", 1)[0] if key.startswith(KEY_PREFIX) else ""
    client = (
        session.scalar(select(IntegrationClient).where(IntegrationClient.key_prefix == prefix))
        if prefix
        else None
    )
    if client is None or not client.active or not secrets.compare_digest(client.key_hash, token_digest(key)):
        # Only wrong keys are refused once an address has sent too many: a valid key from the
        # same interface engine (one of its channels misconfigured) keeps the feed running, and
        # keys are far too long to be found by guessing anyway.
        rule = ratelimit.Rule(
            "his_key_address",
            get_settings().rate_limit_his_key_per_address,
            N_("Too many invalid integration keys from this address. Retry in %(seconds)s seconds."),
            "integration_key_rate_limited",
        )
        ratelimit.limiter().hit(rule, ratelimit.client_address())
        raise BadClientKey()
    if scope not in client.scopes:
        raise Forbidden()
    client.last_seen_at = utcnow()
    session.commit()
    return client


def actor_for(client: IntegrationClient) -> Actor:
    return Actor(kind="his", id=client.id, label=client.name)
