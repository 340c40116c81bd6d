"""The public verification page answers only to a document's number together with its check
code: an unknown number and a wrong code get the same "not found", the code is never shown, the
lists print their code beside the QR code, and a client looking up too often is refused."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from bedside.settings import get_settings
from tests.api.test_discharge_documents import _downloaded, _pair

NOT_FOUND = 'data-code="document_not_found"'


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verify").text).group(1)


def _lookup(client, number: str, code: str):  # type: ignore[no-untyped-def]
    return client.post("/verify", data={"csrf_token": _token(client), "number": number, "code": code})


def _message(page: str) -> str:
    return re.search(r'role="alert" data-code="\w+">([^<]+)<', page).group(1)


def test_number_alone_shows_nothing_and_pairs_decide(client, session, sms):
    pdfs = _downloaded(client, sms, session)
    number, code = _pair("e_invoice")
    wrong = "000000" if code != "000000" else "111111"

    landing = client.get(f"/verify/{number}")  # where the QR code lands
    assert landing.status_code == 200 and code not in landing.text
    assert 'data-testid="document"' not in landing.text and 'name="code"' in landing.text

    unknown = _lookup(client, "NO-SUCH-NUMBER", code)
    bad_code = _lookup(client, number, wrong)
    assert unknown.status_code == bad_code.status_code == 404
    assert NOT_FOUND in unknown.text and NOT_FOUND in bad_code.text
    # The same words either way: nothing tells which half of the pair was wrong.
    assert _message(unknown.text) == _message(bad_code.text)
    for page in (unknown.text, bad_code.text):
        assert code not in page and 'data-testid="document"' not in page

    right = _lookup(client, number, code.lower())
    assert right.status_code == 200 and 'data-testid="document"' in right.text
    assert code not in right.text  # not echoed back either

    # The lists have no platform code: theirs is printed beside the QR code, so it can be typed.
    for kind in ("fee_list", "settlement_list"):
        list_number, list_code = _pair(kind)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdfs[kind])).pages)
        assert list_code in text
        assert 'data-testid="document"' in _lookup(client, list_number, list_code).text
        assert _lookup(client, list_number, code).status_code == 404


def test_lookups_are_rate_limited_per_client(client, session, sms, monkeypatch):
    _downloaded(client, sms, session)
    number, code = _pair("fee_list")
    monkeypatch.setattr(get_settings(), "rate_limit_verify_per_address", "3/minute")
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
        assert _lookup(client, number, guess).status_code == 404
    refused = _lookup(client, number, code)  # even the right pair, once the limit is used up
    assert refused.status_code == 429 and 'data-code="verify_limit"' in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert 'data-testid="document"' not in refused.text and code not in refused.text
