import pytest

from bedside.core.pii import mask_card, mask_name, mask_phone, mask_resident_id, scrub


def test_masks_follow_common_practice():
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_card("6222021234567890123") == "622202*********0123"
    assert mask_resident_id(None) == ""


def test_scrub_masks_ids_and_phones_inside_text():
    text = "login 11010519491231002X from 13812345678 order 12345"
    assert scrub(text) == "login 110105********002X from 138****5678 order 12345"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Cookie: bs_staff=abcDEF1234567; bs_phone=zzz987654", "abcDEF1234567"),
        ("Cookie: bs_staff=abcDEF1234567; bs_phone=zzz987654", "zzz987654"),
        ("{'authorization': 'Bearer eyJhbGciOi.payload.sig'}", "eyJhbGciOi.payload.sig"),
        ("(b'cookie', b'bs_phone=tok123456789')", "tok123456789"),
        ("kiosk key bk_abcd1234_efghijklmnop used", "efghijklmnop"),
        ("x-his-key: bi_0123456789abcdef", "0123456789abcdef"),
        ("password=hunter2hunter2&user=a", "hunter2hunter2"),
        ("POST /api/v1/sms/receipts/aliyun/FQSIBkxSLdJd4gzYRFwS 200", "FQSIBkxSLdJd4gzYRFwS"),
    ],
)
def test_scrub_masks_credentials(line, secret):
    assert secret not in scrub(line)


def test_scrub_leaves_ordinary_lines_alone():
    assert scrub("GET /phone/ 200 3.1ms") == "GET /phone/ 200 3.1ms"
