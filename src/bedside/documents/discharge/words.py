"""Amounts in capital numerals (金额大写), as invoices print them."""

from __future__ import annotations

_DIGIT_WORDS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_SECTION_UNITS = ("", "万", "亿")


def amount_in_words(fen: int) -> str:
    """The amount in capital numerals as invoices print it (金额大写): 12345 -> '壹佰贰拾叁元肆角伍分'.

    Follows the 支付结算办法 conventions: '整' after a whole yuan, '零' between yuan and a fen
    amount with no jiao, one '零' for any run of zeros inside the yuan, '壹拾' rather than '拾'.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amounts are integer fen")
    if fen < 0:
        return "负" + amount_in_words(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    if yuan >= 10 ** (4 * len(_SECTION_UNITS)):
        raise ValueError("amount too large for capital numerals")
    if fen == 0:
        return "零元整"
    words = _yuan_words(yuan) + "元" if yuan else ""
    if rest == 0:
        return words + "整"
    if jiao:
        words += _DIGIT_WORDS[jiao] + "角"
    elif yuan:
        words += "零"
    if cents:
        words += _DIGIT_WORDS[cents] + "分"
    return words


def _yuan_words(yuan: int) -> str:
    digits = str(yuan)
    out: list[str] = []
    zeros_pending = False
    section_has_digit = False
    for i, ch in enumerate(digits):
        position = len(digits) - 1 - i
        digit = int(ch)
        if digit == 0:
            zeros_pending = True
        else:
            if zeros_pending:
                out.append("零")
                zeros_pending = False
            out.append(_DIGIT_WORDS[digit] + _SMALL_UNITS[position % 4])
            section_has_digit = True
        if position % 4 == 0:
            if section_has_digit:
                out.append(_SECTION_UNITS[position // 4])
            section_has_digit = False
    return "".join(out)
