"""The rollout's tables and rules: every state and action of both machines, the stage decision
(halt on the error rate, wait for the soak, go on, finish), and the bundle's checks."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime, timedelta

import pytest

from bedside.core import bundles
from bedside.core.states import InvalidTransition
from bedside.fleet.rollout_states import (
    ACTION_MACHINE,
    ROLLOUT_MACHINE,
    ActionState,
    Outcome,
    RolloutState,
    decide,
)

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
S, F = ActionState.SUCCEEDED, ActionState.FAILED
OF, P = ActionState.OFFERED, ActionState.PROCEEDING

ROLLOUT_CASES = [
    (RolloutState.DRAFT, "start", RolloutState.RUNNING),
    (RolloutState.DRAFT, "cancel", RolloutState.CANCELLED),
    (RolloutState.RUNNING, "halt", RolloutState.HALTED),
    (RolloutState.RUNNING, "finish", RolloutState.FINISHED),
    (RolloutState.RUNNING, "rollback", RolloutState.ROLLED_BACK),
    (RolloutState.HALTED, "resume", RolloutState.RUNNING),
    (RolloutState.HALTED, "rollback", RolloutState.ROLLED_BACK),
    (RolloutState.HALTED, "cancel", RolloutState.CANCELLED),
    (RolloutState.FINISHED, "rollback", RolloutState.ROLLED_BACK),
]


@pytest.mark.parametrize("state", list(RolloutState), ids=str)
@pytest.mark.parametrize("action", sorted(ROLLOUT_MACHINE.actions()), ids=str)
def test_rollout_machine_every_state_and_action(state: RolloutState, action: str) -> None:
    expected = {(s, a): t for s, a, t in ROLLOUT_CASES}.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            ROLLOUT_MACHINE.next_state(state, action)
    else:
        assert ROLLOUT_MACHINE.next_state(state, action) is expected


ACTION_CASES = {
    (ActionState.SCHEDULED, "offer"): OF,
    (ActionState.SCHEDULED, "cancel"): ActionState.CANCELLED,
    (OF, "proceed"): P,
    (OF, "succeed"): S,
    (OF, "fail"): F,
    (OF, "cancel"): ActionState.CANCELLED,
    (P, "proceed"): P,
    (P, "succeed"): S,
    (P, "fail"): F,
    (P, "cancel"): ActionState.CANCELLED,
}


@pytest.mark.parametrize("state", list(ActionState), ids=str)
@pytest.mark.parametrize("action", sorted(ACTION_MACHINE.actions()), ids=str)
def test_action_machine_every_state_and_action(state: ActionState, action: str) -> None:
    expected = ACTION_CASES.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            ACTION_MACHINE.next_state(state, action)
    else:
        assert ACTION_MACHINE.next_state(state, action) is expected


def ended(state: ActionState, minutes_ago: int = 60, unhealthy: bool = False) -> Outcome:
    return Outcome(state, NOW - timedelta(minutes=minutes_ago), unhealthy)


DECISIONS = [
    # (name, outcomes, stage, max error %, soak minutes, verdict, error rate %)
    ("pilot-waiting", [Outcome(OF)], 0, 0, 30, "wait", 0),
    ("pilot-failed-halts", [ended(F)], 0, 0, 30, "halt", 100),
    ("pilot-ill-after-update-halts", [ended(S, unhealthy=True)], 0, 0, 30, "halt", 100),
    ("pilot-ok-soaking", [ended(S, minutes_ago=10)], 0, 0, 30, "wait", 0),
    ("pilot-ok-soaked", [ended(S, minutes_ago=31)], 0, 0, 30, "advance", 0),
    ("empty-stage-goes-on", [], 1, 0, 30, "advance", 0),
    ("area-one-of-five-failed-within-25pct", [ended(F)] + [ended(S)] * 4, 1, 25, 0, "advance", 20),
    ("area-two-of-five-failed-over-25pct", [ended(F)] * 2 + [ended(S)] * 3, 1, 25, 0, "halt", 40),
    ("halts-before-the-rest-have-ended", [ended(F), Outcome(P), Outcome(OF)], 2, 0, 0, "halt", 100),
    ("last-stage-finishes", [ended(S)] * 3, 2, 0, 0, "finish", 0),
    ("last-stage-waits-for-stragglers", [ended(S), Outcome(P)], 2, 0, 0, "wait", 0),
]
EARLIER = [
    # (name, earlier stages, this stage, max error %, verdict, error rate %)
    ("pilot-ill-after-area-began", [ended(S, unhealthy=True)], [Outcome(OF)], 0, "halt", 100),
    ("earlier-ok-this-ok", [ended(S)], [ended(S)] * 2, 0, "advance", 0),
    ("one-of-four-within-25pct", [ended(F)], [ended(S)] * 3, 25, "advance", 25),
]


@pytest.mark.parametrize(
    ("earlier", "outcomes", "max_pct", "verdict", "rate"),
    [case[1:] for case in EARLIER],
    ids=[case[0] for case in EARLIER],
)
def test_earlier_stages_count_toward_the_error_rate(
    earlier: list[Outcome], outcomes: list[Outcome], max_pct: int, verdict: str, rate: int
) -> None:
    decision = decide(
        outcomes, earlier=earlier, stage=1, max_error_rate_pct=max_pct, soak=timedelta(0), now=NOW
    )
    assert (decision.verdict, decision.error_rate_pct) == (verdict, rate)


@pytest.mark.parametrize(
    ("outcomes", "stage", "max_pct", "soak", "verdict", "rate"),
    [case[1:] for case in DECISIONS],
    ids=[case[0] for case in DECISIONS],
)
def test_stage_decision(
    outcomes: list[Outcome], stage: int, max_pct: int, soak: int, verdict: str, rate: int
) -> None:
    decision = decide(
        outcomes, stage=stage, max_error_rate_pct=max_pct, soak=timedelta(minutes=soak), now=NOW
    )
    assert (decision.verdict, decision.error_rate_pct) == (verdict, rate)


FILES = {"kiosk/index.html": b"<html>v2</html>", "agent/bedside_kiosk_agent-2.0-py3-none-any.whl": b"PK..."}


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    return bundles.new_release_key()


def test_a_signed_bundle_verifies_and_unpacks(keys: tuple[bytes, bytes], tmp_path) -> None:  # type: ignore[no-untyped-def]
    private, public = keys
    bundle = bundles.build("2026.12.1", FILES)
    manifest = bundles.verify(
        bundle, bundles.sign(bundle, private), public, expected_sha256=bundles.sha256_hex(bundle)
    )
    assert manifest.version == "2026.12.1" and set(manifest.files) == set(FILES)
    bundles.unpack(bundle, manifest, tmp_path / "v")
    assert (tmp_path / "v" / "kiosk" / "index.html").read_bytes() == FILES["kiosk/index.html"]
    assert bundles.build("2026.12.1", FILES) == bundle  # reproducible


def _retar(bundle: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as src,
        tarfile.open(fileobj=out, mode="w:gz") as dst,
    ):
        for member in src.getmembers():
            data = change.get(member.name, src.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
        for name, data in change.items():
            if name not in src.getnames():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                dst.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_tampering_is_refused_with_its_reason(keys: tuple[bytes, bytes]) -> None:
    private, public = keys
    bundle = bundles.build("2026.12.1", FILES)
    signature = bundles.sign(bundle, private)
    other_private, _ = bundles.new_release_key()
    tampered = _retar(bundle, {"kiosk/index.html": b"<script>evil()</script>"})
    cases = {
        "hash_mismatch": (bundle, signature, "0" * 64),
        "bad_signature": (tampered, signature, None),
        "bad_signature ": (bundle, bundles.sign(bundle, other_private), None),
        "bad_archive": (b"not a tar", bundles.sign(b"not a tar", private), None),
    }
    for reason, (data, sig, sha) in cases.items():
        with pytest.raises(bundles.BundleRefused) as err:
            bundles.verify(data, sig, public, expected_sha256=sha)
        assert err.value.code == reason.strip()
    # Signed, but its content does not match its own manifest (a build tool bug or a forgery).
    for change, code in (
        ({"kiosk/index.html": b"changed"}, "file_mismatch"),
        ({"kiosk/extra.js": b"x"}, "unlisted_file"),
    ):
        forged = _retar(bundle, change)
        with pytest.raises(bundles.BundleRefused) as err:
            bundles.verify(forged, bundles.sign(forged, private), public)
        assert err.value.code == code


@pytest.mark.parametrize("version", ["", "../x", "1 2", "v" * 41], ids=["empty", "path", "space", "long"])
def test_release_versions_are_checked(version: str) -> None:
    with pytest.raises(bundles.BundleRefused):
        bundles.build(version, FILES)
