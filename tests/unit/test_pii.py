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
