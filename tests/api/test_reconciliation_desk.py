"""The finance desk through the real app: open a day, download the statements, reconcile,
work the discrepancies, export, close; bad input is a 4xx that changes nothing."""

from __future__ import annotations

import io
import re
import zipfile

from bedside.core.clock import local_today
from tests import factories
from tests.api.test_reconciliation_day import _order
from tests.helpers import PASSWORD, staff_login
from tests.integration.money.conftest import make_stay


def _form(client, path, token, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_desk_works_a_day_to_its_close(client, session):  # type: ignore[no-untyped-def]
    stay = make_stay(session)
    factories.staff(session, "cash.desk", "cashier")
    factories.staff(session, "boss.desk", "manager")
    silent = _order(stay, "wechat", 120000, "desk-key-0001", mode="missing")
    token = staff_login(client, "cash.desk")
    today = local_today().isoformat()
    desk = client.get("/console/reconciliation")
    assert desk.status_code == 200 and 'data-testid="refunds"' in desk.text
    assert _form(client, "/console/reconciliation/open", token, bill_date=today).status_code == 303
    url = f"/console/reconciliation/days/{today}"
    fetched = _form(client, f"{url}/fetch", token)
    assert fetched.status_code == 303, fetched.text[-3000:]
    assert _form(client, f"{url}/cash", token, kiosk="K-09", counted="50").status_code == 303
    assert _form(client, f"{url}/run", token).status_code == 303
    page = client.get(url).text
    ids = dict(re.findall(r'id="d(\d+)" data-kind="(\w+)"', page))
    by_kind = {kind: int(i) for i, kind in ids.items()}
    assert set(by_kind) == {"missing_ours", "cash_mismatch"}, page
    act = "/console/reconciliation/discrepancies/{}/act"
    assert _form(client, act.format(by_kind["missing_ours"]), token, action="credit").status_code == 303
    refused = _form(client, f"{url}/close", token)
    assert refused.status_code == 409 and 'data-code="recon_day_not_ready"' in refused.text
    cash = act.format(by_kind["cash_mismatch"])
    assert _form(client, cash, token, action="write_off", note="counted twice").status_code == 303
    wrong = _form(client, cash, token, action="approve", approver="boss.desk", approver_password="nope")
    assert wrong.status_code == 403
    ok = _form(client, cash, token, action="approve", approver="boss.desk", approver_password=PASSWORD)
    assert ok.status_code == 303
    csv_export = client.get(f"{url}/export.csv")
    assert csv_export.status_code == 200 and silent.out_trade_no in csv_export.text
    xlsx = client.get(f"{url}/export.xlsx")
    assert xlsx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(xlsx.content))
    assert _form(client, f"{url}/close", token).status_code == 303
    assert 'data-testid="day-state">' in client.get(url).text
    again = _form(client, f"{url}/cash", token, kiosk="K-09", counted="60")
    assert again.status_code == 409
    month = client.get(f"/console/reconciliation/months/{today[:7]}")
    assert month.status_code == 200 and today in month.text


def test_bad_input_is_a_clear_4xx(client, session):  # type: ignore[no-untyped-def]
    factories.staff(session, "cash.bad", "cashier")
    token = staff_login(client, "cash.bad")
    assert _form(client, "/console/reconciliation/open", token, bill_date="2026-13-40").status_code == 422
    assert _form(client, "/console/reconciliation/open", token, bill_date="2999-01-01").status_code == 422
    assert client.get("/console/reconciliation/days/nope").status_code == 422
    assert client.get("/console/reconciliation/days/2026-01-01").status_code == 404
    assert client.get("/console/reconciliation/months/2026-99").status_code == 422
    today = local_today().isoformat()
    _form(client, "/console/reconciliation/open", token, bill_date=today)
    url = f"/console/reconciliation/days/{today}"
    bad = client.post(
        f"{url}/import",
        data={"csrf_token": token, "channel": "wechat"},
        files={"file": ("x.csv", b"not,a,bill\r\n", "text/csv")},
    )
    assert bad.status_code == 422 and 'data-code="statement_refused"' in bad.text
    assert _form(client, f"{url}/cash", token, kiosk="K-1", counted="-5").status_code == 422
    assert client.get(f"{url}/export.pdf").status_code == 422
