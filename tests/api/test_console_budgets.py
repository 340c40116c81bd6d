"""Issue 15 on the console: the bed board, the bed search, its live poll, the stays list and
the ward list each read what they show in the same number of statements at a small hospital,
at 400 beds and at 5,000 beds with 30 patients waiting; the board stays small in bytes; the
bed picker assigns through the same form as before."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import func, select, update

from bedside.admissions import stay
from bedside.core.db import utcnow
from bedside.hospital.models import Bed, Room, Ward
from tests.api.test_query_budget import _load
from tests.conftest import DATABASE
from tests.helpers import staff_login
from tests.integration.admissions.conftest import make_admission
from tests.scale_world import grow_admitted, grow_beds, grow_queue

# Statements per request, whatever the hospital's size. Each starts with the staff session and
# its user. The board: departments, beds counted by ward and state, the wards, one page of beds
# with their stays, the queue with its patients, emergencies (before issue 15: 28 at 400 beds,
# 143 at 5,000). The picker: the notice, its patient, the wards, one page of suitable beds. The
# live poll: the counts, the wards, the changed beds. The stays list: one joined page (before:
# one patient lookup per row, 276–300). The ward list: counts and wards.
BOARD_BUDGET = 9
PICKER_BUDGET = 7
LIVE_BUDGET = 6
STAYS_BUDGET = 4
WARDS_BUDGET = 6


def _board_pages(client, notice_id: int) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(statements, bytes) of each board request."""
    since = int(time.time() * 1000) - 60_000
    out = {}
    for name, path in (
        ("board", "/console/beds"),
        ("picker", f"/console/beds/search?notice_id={notice_id}"),
        ("picker loan", f"/console/beds/search?notice_id={notice_id}&loan=1&page=2"),
        ("live", f"/console/beds/live?since={since}"),
    ):
        q, html = _load(client, path)
        assert q.count > 0, name
        out[name] = (q.count, len(html.encode()))
    return out


def test_bed_board_in_the_same_statements_at_400_and_5000_beds(client, session):  # type: ignore[no-untyped-def]
    adm = make_admission(session)
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
    staff_login(client, "clerk.bed")
    small = _board_pages(client, adm.notice.id)
    grow_beds(session, adm.world, 400)
    grow_queue(session, adm.world, 3)
    mid = _board_pages(client, adm.notice.id)
    grow_beds(session, adm.world, 4600)
    grow_queue(session, adm.world, 27)
    large = _board_pages(client, adm.notice.id)
    print(f"bed board (statements, bytes): small {small}\n  400 beds {mid}\n  5,000 beds {large}")
    for name in small:
        assert small[name][0] == mid[name][0] == large[name][0], (name, small, mid, large)
    assert large["board"][0] <= BOARD_BUDGET
    assert large["picker"][0] <= PICKER_BUDGET and large["live"][0] <= LIVE_BUDGET
    # Paged tiles and an on-demand picker: the page grows with the ward list, not with the beds.
    assert large["board"][1] <= 300_000 and large["board"][1] <= 1.5 * mid["board"][1] + 30_000
    with DATABASE.session() as s:
        beds = s.scalar(select(Bed.id).order_by(Bed.id.desc()).limit(1))
    assert beds and beds > 4_900


def test_picker_offers_suitable_beds_and_assigns_through_the_form(client, session):  # type: ignore[no-untyped-def]
    adm = make_admission(session)  # a man; the world's room 501 is for men
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
    grow_beds(session, adm.world, 144)  # two wards in each department
    token = staff_login(client, "clerk.bed")
    board = client.get("/console/beds")
    assert (
        f'data-testid="pick-bed-{adm.notice.id}"' in board.text and '<select name="bed_id"' not in board.text
    )
    picker = client.get(f"/console/beds/search?notice_id={adm.notice.id}", headers={"HX-Request": "true"})
    assert picker.status_code == 200 and "<html" not in picker.text
    offered = {int(b) for b in re.findall(r'data-bed-result="(\d+)"', picker.text)}
    with DATABASE.session() as s:
        found = s.execute(
            select(Bed.state, Room.gender, Ward.department_id)
            .join(Room, Room.id == Bed.room_id)
            .join(Ward, Ward.id == Bed.ward_id)
            .where(Bed.id.in_(offered))
        ).all()
        all_beds = s.scalar(select(func.count()).select_from(Bed))
    # Free beds of the own department in rooms for men or mixed, one page of them.
    assert len(found) == len(offered) == 20 and all_beds > 70
    assert {(state, dept) for state, _, dept in found} == {("free", adm.world.department.id)}
    assert {gender for _, gender, _ in found} <= {"M", "X"}
    # A loan offers the other department's beds, and the form says so.
    loan = client.get(f"/console/beds/search?notice_id={adm.notice.id}&loan=1")
    assert 'name="lend" value="1"' in loan.text
    with DATABASE.session() as s:  # the beds were made just now: as if they had been for a while
        s.execute(update(Bed).values(state_changed_at=utcnow() - timedelta(hours=1)))
        s.commit()
    # Assigning from the picker: the same form as before, the same redirect.
    bed_id = adm.world.beds[0].id
    in_ward = client.get(f"/console/beds/search?notice_id={adm.notice.id}&ward={adm.world.ward.id}").text
    assert re.findall(r'data-bed-result="(\d+)"', in_ward) == [str(b.id) for b in adm.world.beds]
    assert f'data-testid="assign-bed-{bed_id}"' in in_ward
    r = client.post(
        "/console/beds/assign",
        data={"csrf_token": token, "notice_id": adm.notice.id, "bed_id": bed_id},
        follow_redirects=False,
    )
    assert r.status_code == 303
    # The other free bed of room 501 is still offered; the reserved one is not.
    again = client.get(f"/console/beds/search?notice_id={adm.notice.id}").text
    assert f'data-bed-result="{bed_id}"' not in again
    # The live poll sends the changed tile back, and only changed ones.
    since = int(time.time() * 1000) - 3_000
    live = client.get(f"/console/beds/live?since={since}&department={adm.world.department.id}")
    assert live.status_code == 200 and f'id="bed-{bed_id}"' in live.text and 'hx-swap-oob="true"' in live.text
    assert live.text.count('hx-swap-oob="true"') == 1
    # A bad poll is a clear 4xx.
    assert client.get("/console/beds/live?since=yesterday").status_code == 422
    assert client.get("/console/beds/search").status_code == 422


def test_ward_staffing_cap_hides_its_free_beds_from_the_picker(client, session):  # type: ignore[no-untyped-def]
    adm = make_admission(session)
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
        s.execute(update(Bed).where(Bed.id == adm.world.beds[1].id).values(state="occupied"))
        s.get(Ward, adm.world.ward.id).capacity_cap = 1
        s.commit()
    staff_login(client, "clerk.bed")
    picker = client.get(f"/console/beds/search?notice_id={adm.notice.id}").text
    assert f'data-bed-result="{adm.world.beds[0].id}"' not in picker
    board = client.get("/console/beds").text
    assert f'data-testid="available-{adm.world.ward.id}">0<' in board


def test_stays_and_ward_lists_in_the_same_statements_whatever_the_size(client, session):  # type: ignore[no-untyped-def]
    adm = make_admission(session)
    staff_login(client, "clerk.bed")
    grow_admitted(session, adm.world, 3)
    small = (_load(client, "/console/stays")[0].count, _load(client, "/console/wards")[0].count)
    grow_beds(session, adm.world, 5000)
    grow_admitted(session, adm.world, 300)
    stays_q, html = _load(client, "/console/stays")
    wards_q, _ = _load(client, "/console/wards")
    print(f"stays, wards: {small} statements; at 5,000 beds and 303 stays {stays_q.count, wards_q.count}")
    assert (stays_q.count, wards_q.count) == small
    assert stays_q.count <= STAYS_BUDGET and wards_q.count <= WARDS_BUDGET
    assert html.count("<tr data-notice=") == 50 and 'data-testid="stays-next"' in html
    second = client.get("/console/stays?page=7").text
    assert second.count("<tr data-notice=") == 3 and 'data-testid="stays-next"' not in second
    assert client.get("/console/stays?page=0").status_code == 422
    assert client.get("/console/stays?page=abc").status_code == 422


def test_live_poll_asks_for_a_reload_when_too_much_changed(client, session):  # type: ignore[no-untyped-def]
    adm = make_admission(session)
    grow_beds(session, adm.world, 250)
    with DATABASE.session() as s:  # a ward reopened at once: every bed changed just now
        s.execute(update(Bed).values(state_changed_at=utcnow()))
        s.commit()
    staff_login(client, "clerk.bed")
    since = int(time.time() * 1000) - 60_000
    r = client.get(f"/console/beds/live?since={since}")
    assert r.status_code == 200 and r.headers.get("HX-Refresh") == "true"
    assert 'hx-swap-oob="true"' not in r.text
    quiet = client.get(f"/console/beds/live?since={int(time.time() * 1000) + 60_000}")
    assert "HX-Refresh" not in quiet.headers and 'id="ward-occupancy"' in quiet.text
