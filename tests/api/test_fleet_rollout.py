"""Central software rollout through the real app and the real agent updater: three kiosks, each
with its own updater speaking hawkBit DDI to the app. A good version goes pilot -> area -> all;
a bad one halts after the pilot and is rolled back; a tampered bundle is refused by the agent
and never becomes `current`; publishing checks the signature; only ops engineers manage it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bedside.core import bundles
from bedside.core.audit import SYSTEM
from bedside.fleet import releases, rollout, service
from bedside.fleet.rollout_models import SoftwareRelease
from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosk_agent.updater import Updater
from bedside.kiosks import service as kiosks_service
from bedside.settings import get_settings
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import staff_login

CODES = ("K-R1", "K-R2", "K-R3")


def files(version: str) -> dict[str, bytes]:
    return {"kiosk/index.html": f"<html>{version}</html>".encode(), "agent/VERSION": version.encode()}


@pytest.fixture
def world(client, session, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    factories.hospital(session)
    factories.staff(session, "ops.eng", "ops_engineer", full_name="运维甲")
    factories.staff(session, "nurse.a", "nurse")
    private, public = bundles.new_release_key()
    key_file = tmp_path / "release.pub.pem"
    key_file.write_bytes(public)
    monkeypatch.setattr(get_settings(), "kiosk_release_public_key_file", key_file)
    updaters = {}
    for i, code in enumerate(CODES):
        kiosk, key = kiosks_service.register(
            session,
            SYSTEM,
            code=code,
            name=code,
            location="门诊楼",
            model="ZK-43",
            serial=f"S-{code}",
            modules=[],
        )
        # K-R1 and K-R2 stand in the same area; K-R3 elsewhere.
        service.update_placement(
            session,
            SYSTEM,
            kiosk.id,
            {"campus": "本部", "building": "门诊楼", "floor": "1", "area": "大厅" if i < 2 else "二楼"},
        )
        config = AgentSettings(
            _env_file=None,
            server_url="http://testserver",
            kiosk_key=SecretStr(key),
            kiosk_code=code,
            update_dir=tmp_path / code,
            update_public_key_file=key_file,
        )
        updaters[code] = Updater(config, client)
    client.headers["X-CSRF-Token"] = staff_login(client, "ops.eng")
    return {"private": private, "updaters": updaters, "tmp": tmp_path, "client": client}


def publish(client, world, version: str, bundle: bytes | None = None, signature: bytes | None = None):  # type: ignore[no-untyped-def]
    bundle = bundle if bundle is not None else bundles.build(version, files(version))
    signature = signature if signature is not None else bundles.sign(bundle, world["private"])
    return client.post(
        "/console/fleet/releases",
        files={"bundle": ("b.tar.gz", bundle, "application/gzip"), "signature": ("b.sig", signature)},
        data={"notes": f"release {version}"},
        follow_redirects=False,
    )


def release_id(version: str) -> int:
    with DATABASE.session() as s:
        return next(r.id for r in releases.releases(s) if r.version == version)


def kiosk_id(code: str) -> int:
    with DATABASE.session() as s:
        return next(k.id for k in kiosks_service.list_kiosks(s) if k.code == code)


def start(client, version: str, max_pct: int = 0) -> int:  # type: ignore[no-untyped-def]
    r = client.post(
        "/console/fleet/rollouts",
        data={
            "release_id": release_id(version),
            "pilot_kiosk_id": kiosk_id("K-R1"),
            "max_error_rate_pct": max_pct,
            "soak_minutes": 0,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    rollout_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert (
        client.post(f"/console/fleet/rollouts/{rollout_id}/start", follow_redirects=False).status_code == 303
    )
    return rollout_id


def state(rollout_id: int) -> tuple[str, int]:
    with DATABASE.session() as s:
        r = rollout.get(s, rollout_id)
        return r.state, r.stage


def report(world, code: str, modules: list | None = None) -> None:  # type: ignore[no-untyped-def, type-arg]
    """The kiosk's heartbeat, as its telemetry reporter sends it every 30 seconds."""
    config = world["updaters"][code].config
    body = {"software_version": config.software_version, "modules": modules or []}
    headers = {"X-Kiosk-Key": config.kiosk_key.get_secret_value()}
    r = world["client"].post("/api/v1/kiosk/telemetry", json=body, headers=headers)
    assert r.status_code < 300, r.text


def poll(world, code: str) -> str:  # type: ignore[no-untyped-def]
    report(world, code)
    return str(world["updaters"][code].poll_once())


def poll_all(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    results = {}
    for code, updater in world["updaters"].items():
        report(world, code)
        results[code] = updater.poll_once()
    return results


def current(world, code: str) -> str | None:  # type: ignore[no-untyped-def]
    return world["updaters"][code].current_version()


def test_a_good_version_reaches_every_kiosk_stage_by_stage(client, world) -> None:  # type: ignore[no-untyped-def]
    assert publish(client, world, "2026.12.1").status_code == 303
    rollout_id = start(client, "2026.12.1")
    # Stage 1: only the pilot is offered the deployment.
    assert [poll(world, c) for c in ("K-R3", "K-R2", "K-R1")] == ["nothing", "nothing", "applied"]
    assert state(rollout_id) == ("running", 1)
    # Stage 2: the pilot's area; stage 3: everyone else.
    assert [poll(world, c) for c in ("K-R3", "K-R2")] == ["nothing", "applied"]
    assert state(rollout_id) == ("running", 2)
    assert poll(world, "K-R3") == "applied"
    assert state(rollout_id)[0] == "finished"
    assert {current(world, c) for c in CODES} == {"2026.12.1"}
    assert (
        world["tmp"] / "K-R3" / "current" / "kiosk" / "index.html"
    ).read_text() == "<html>2026.12.1</html>"
    assert world["updaters"]["K-R3"].config.software_version == "2026.12.1"
    page = client.get(f"/console/fleet/rollouts/{rollout_id}")
    assert page.status_code == 200 and "2026.12.1" in page.text


def test_a_bad_version_halts_after_the_pilot_and_rolls_back(client, world) -> None:  # type: ignore[no-untyped-def]
    publish(client, world, "2026.12.1")
    start(client, "2026.12.1")
    for _ in range(3):
        poll_all(world)
    assert publish(client, world, "2026.12.2").status_code == 303
    rollout_id = start(client, "2026.12.2")
    assert poll(world, "K-R1") == "applied"
    # The pilot falls ill on the new version: a module fault in its next report.
    report(world, "K-R1", [{"kind": "receipt_printer", "state": "fault"}])
    with DATABASE.session() as s:
        rollout.evaluate(s)
    assert state(rollout_id)[0] == "halted"
    # Halted: nobody else gets it.
    assert poll_all(world) == {"K-R1": "nothing", "K-R2": "nothing", "K-R3": "nothing"}
    assert current(world, "K-R2") == "2026.12.1"
    # Rollback puts the pilot back on what it ran before.
    assert (
        client.post(f"/console/fleet/rollouts/{rollout_id}/rollback", follow_redirects=False).status_code
        == 303
    )
    assert state(rollout_id)[0] == "rolled_back"
    assert poll_all(world)["K-R1"] == "applied"
    assert current(world, "K-R1") == "2026.12.1"


def test_a_bundle_whose_pilot_install_fails_halts_at_once(client, world) -> None:  # type: ignore[no-untyped-def]
    publish(client, world, "2026.12.3")
    rollout_id = start(client, "2026.12.3")
    # The published bundle is swapped on the server (or on the way): the agent refuses it.
    with DATABASE.session() as s:
        release = s.get(SoftwareRelease, release_id("2026.12.3"))
        tampered = bundles.build(
            "2026.12.3", {**files("2026.12.3"), "kiosk/index.html": b"<script>x</script>"}
        )
        release.bundle, release.sha256 = tampered, bundles.sha256_hex(tampered)  # type: ignore[union-attr]
        s.commit()
    assert poll_all(world)["K-R1"] == "refused"
    assert current(world, "K-R1") is None  # nothing was applied
    assert state(rollout_id)[0] == "halted"
    with DATABASE.session() as s:
        (pilot,) = [a for a in rollout.actions(s, rollout_id) if a.stage == 0]
        assert (pilot.state, pilot.detail) == ("failed", "refused: bad_signature")
    # The agent remembers: asked again, it reports the same and does not try again.
    assert world["updaters"]["K-R1"].poll_once() == "nothing"


def test_publishing_checks_the_signature_and_bad_input_changes_nothing(client, world) -> None:  # type: ignore[no-untyped-def]
    bundle = bundles.build("2026.12.4", files("2026.12.4"))
    other, _ = bundles.new_release_key()
    for sig in (bundles.sign(bundle, other), b"", b"x" * 64):
        r = publish(client, world, "2026.12.4", bundle, sig)
        assert r.status_code == 422 and "release_refused" in r.text
    assert publish(client, world, "2026.12.4", b"not a bundle").status_code == 422
    with DATABASE.session() as s:
        assert releases.releases(s) == []
    assert publish(client, world, "2026.12.4").status_code == 303
    assert publish(client, world, "2026.12.4").status_code == 409  # the same version twice
    r = client.post("/console/fleet/rollouts", data={"release_id": "x", "pilot_kiosk_id": "1"})
    assert r.status_code == 422
    r = client.post(
        "/console/fleet/rollouts",
        data={
            "release_id": release_id("2026.12.4"),
            "pilot_kiosk_id": kiosk_id("K-R1"),
            "max_error_rate_pct": 101,
        },
    )
    assert r.status_code == 422
    rollout_id = start(client, "2026.12.4")
    r = client.post(f"/console/fleet/rollouts/{rollout_id}/start", follow_redirects=False)
    assert r.status_code == 409
    assert (
        client.post(
            "/console/fleet/rollouts",
            data={"release_id": release_id("2026.12.4"), "pilot_kiosk_id": kiosk_id("K-R1")},
        ).status_code
        == 409
    )


def test_device_api_needs_the_kiosks_own_key(client, world) -> None:  # type: ignore[no-untyped-def]
    publish(client, world, "2026.12.5")
    rollout_id = start(client, "2026.12.5")
    r1, r2 = world["updaters"]["K-R1"], world["updaters"]["K-R2"]
    key2 = r2.config.kiosk_key.get_secret_value()
    base = "/api/ddi/default/controller/v1/K-R1"
    assert client.get(base).status_code == 401
    assert client.get(base, headers={"Authorization": f"TargetToken {key2}"}).status_code == 403
    ok = client.get(base, headers={"Authorization": f"TargetToken {r1.config.kiosk_key.get_secret_value()}"})
    assert ok.status_code == 200 and "deploymentBase" in ok.json()["_links"]
    action_href = ok.json()["_links"]["deploymentBase"]["href"].replace("http://testserver", "")
    action_id = action_href.split("/")[-1].split("?")[0]
    # K-R2 cannot read or answer K-R1's deployment, nor download a release it was not given.
    own2 = {"Authorization": f"TargetToken {key2}"}
    base2 = "/api/ddi/default/controller/v1/K-R2"
    assert client.get(f"{base2}/deploymentBase/{action_id}", headers=own2).status_code == 404
    fb = {"status": {"execution": "closed", "result": {"finished": "success"}}}
    r = client.post(
        f"/api/ddi/default/controller/v1/K-R2/deploymentBase/{action_id}/feedback", json=fb, headers=own2
    )
    assert r.status_code == 404
    rid = release_id("2026.12.5")
    art = f"{base2}/softwaremodules/{rid}/artifacts/bedside-kiosk-2026.12.5.tar.gz"
    assert client.get(art, headers=own2).status_code == 404
    bad = {"status": {"execution": "exploded", "result": {"finished": "success"}}}
    own1 = {"Authorization": f"TargetToken {r1.config.kiosk_key.get_secret_value()}"}
    r = client.post(f"{base}/deploymentBase/{action_id}/feedback", json=bad, headers=own1)
    assert r.status_code == 422
    assert client.get("/api/ddi/other/controller/v1/K-R1", headers=own1).status_code == 404
    assert state(rollout_id) == ("running", 0)


def test_only_ops_engineers_manage_rollouts(client, world) -> None:  # type: ignore[no-untyped-def]
    client.headers["X-CSRF-Token"] = staff_login(client, "nurse.a")
    assert client.get("/console/fleet/releases").status_code == 403
    assert publish(client, world, "2026.12.6").status_code == 403
