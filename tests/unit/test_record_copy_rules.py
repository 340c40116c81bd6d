"""Record copies, pure: every (state, action) pair of the machine with both deliveries, the
delivery guards, and the fee rule."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from bedside.core.states import InvalidTransition
from bedside.payments import service as payments_service
from bedside.records import fees
from bedside.records.states import COPY_MACHINE, COPY_TRANSITIONS, FINAL, STAFF_ACTIONS, CopyState
from bedside.settings import Settings

S = CopyState


@dataclass(frozen=True)
class Req:
    delivery: str


# Where each delivery may go: "ready" and "pick_up" only for pick-up, "mail" only for mail.
ONLY_FOR = {"ready": "pickup", "pick_up": "pickup", "mail": "mail"}
CASES = list(itertools.product(list(S), sorted(COPY_MACHINE.actions()), ["pickup", "mail"]))


@pytest.mark.parametrize("state, action, delivery", CASES, ids=[f"{s}-{a}-{d}" for s, a, d in CASES])
def test_every_state_action_and_delivery(state, action, delivery):
    expected = COPY_TRANSITIONS.get((state, action))
    if expected is None or ONLY_FOR.get(action, delivery) != delivery:
        with pytest.raises(InvalidTransition):
            COPY_MACHINE.next_state(state, action, Req(delivery))
    else:
        assert COPY_MACHINE.next_state(state, action, Req(delivery)) == expected


def test_final_states_allow_nothing_and_every_state_is_reachable():
    for state in FINAL:
        assert COPY_MACHINE.allowed(state) == []
    reachable = {S.AWAITING_PAYMENT} | set(COPY_TRANSITIONS.values())
    assert reachable == set(S)
    assert set(STAFF_ACTIONS) <= COPY_MACHINE.actions()


@pytest.mark.parametrize("delivery, ends", [("pickup", S.PICKED_UP), ("mail", S.MAILED)])
def test_the_two_happy_paths(delivery, ends):
    path = ["pay", "approve", "ready", "pick_up"] if delivery == "pickup" else ["pay", "approve", "mail"]
    state = S.AWAITING_PAYMENT
    for action in path:
        state = COPY_MACHINE.next_state(state, action, Req(delivery))
    assert state == ends


def test_guard_says_why():
    with pytest.raises(InvalidTransition) as info:
        COPY_MACHINE.next_state(S.COPYING, "ready", Req("mail"))
    assert info.value.reason == "These copies are to be mailed."


def test_fee_is_pages_times_copies_plus_postage_for_mail():
    one = fees.fee_for(["discharge_summary"], 1, "pickup")
    assert (one.pages, one.copying_fen, one.postage_fen, one.total_fen) == (2, 100, 0, 100)
    all_parts = list(fees.PARTS)
    big = fees.fee_for(all_parts, 10, "mail")
    pages = sum(p for _, p in fees.PARTS.values()) * 10
    assert big.pages == pages
    price = fees.prices()
    assert (price.per_page_fen, price.postage_fen) == (50, 2000)  # the settings' defaults
    assert big.total_fen == pages * price.per_page_fen + price.postage_fen
    assert all(isinstance(v, int) for v in (big.pages, big.copying_fen, big.postage_fen, big.total_fen))
    # The smallest fee is still one the payment layer accepts (¥1 at least).
    smallest = min(p for _, p in fees.PARTS.values()) * price.per_page_fen
    assert smallest >= 100


def test_prices_come_from_settings_and_a_fee_is_never_under_one_yuan():
    assert fees.MIN_COPYING_FEN == payments_service.MIN_FEN
    dear = fees.fee_for(["discharge_summary"], 2, "mail", fees.Prices(per_page_fen=120, postage_fen=1500))
    assert (dear.pages, dear.copying_fen, dear.postage_fen, dear.total_fen) == (4, 480, 1500, 1980)
    cheap = fees.fee_for(["discharge_summary"], 1, "pickup", fees.Prices(per_page_fen=10, postage_fen=0))
    assert cheap.total_fen == 100
    free_post = fees.fee_for(["exam_reports"], 1, "mail", fees.Prices(per_page_fen=50, postage_fen=0))
    assert (free_post.copying_fen, free_post.postage_fen) == (400, 0)


@pytest.mark.parametrize(
    "env, value",
    [
        ({"BEDSIDE_RECORD_COPY_PER_PAGE_FEN": "80"}, (80, 2000, 48)),
        ({"BEDSIDE_RECORD_COPY_POSTAGE_FEN": "0", "BEDSIDE_RECORD_COPY_PAYMENT_HOURS": "24"}, (50, 0, 24)),
    ],
)
def test_record_copy_settings(monkeypatch, env, value):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s = Settings(demo=True)
    assert (s.record_copy_per_page_fen, s.record_copy_postage_fen, s.record_copy_payment_hours) == value


@pytest.mark.parametrize(
    "name, value",
    [
        ("BEDSIDE_RECORD_COPY_PER_PAGE_FEN", "-1"),
        ("BEDSIDE_RECORD_COPY_PER_PAGE_FEN", "0.5"),
        ("BEDSIDE_RECORD_COPY_PER_PAGE_FEN", "abc"),
        ("BEDSIDE_RECORD_COPY_POSTAGE_FEN", "-100"),
        ("BEDSIDE_RECORD_COPY_PAYMENT_HOURS", "0"),
    ],
)
def test_record_copy_settings_refuse_what_is_not_a_price(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(demo=True)


@pytest.mark.parametrize(
    "parts, copies, delivery",
    [
        ([], 1, "pickup"),
        (["nope"], 1, "pickup"),
        (["discharge_summary", "discharge_summary"], 1, "pickup"),
        (["discharge_summary"], 0, "pickup"),
        (["discharge_summary"], 11, "pickup"),
        (["discharge_summary"], True, "pickup"),
        (["discharge_summary"], 1, "drone"),
    ],
)
def test_fee_refuses_what_is_not_a_request(parts, copies, delivery):
    with pytest.raises(ValueError):
        fees.fee_for(parts, copies, delivery)


def test_every_code_has_a_label():
    assert set(fees.LABELS["state"]) == {s.value for s in S}
    assert set(fees.LABELS["action"]) == COPY_MACHINE.actions() | {"submit"}
