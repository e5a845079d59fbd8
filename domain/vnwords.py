"""Amounts in Vietnamese words, as accounting writes them on a payout sheet ("Bằng chữ").

Groups of three digits, read from the highest: after a higher group, a group keeps its
hundreds even when they are zero ("một nghìn không trăm linh năm" for 1,005) and a lone
units digit after a zero tens takes "linh" ("hai trăm linh năm"). In the units place 1 is
"mốt" after a tens of twenty or more, 4 is "tư" after twenty or more, and 5 is "lăm" after
any tens; ten is "mười", twenty and beyond "mươi". Groups of zero are skipped ("một triệu
đồng", "một tỷ không trăm linh năm triệu"), and the scale repeats after tỷ ("nghìn tỷ").
num2words 0.5 writes "lẻ" and drops the zero hundreds, which accounting does not (SPEC §6).
"""

from __future__ import annotations

from domain.errors import BBTError
from domain.i18n import _

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu")
MAXIMUM = 10**18 - 1  # "nghìn tỷ tỷ" is not written on any sheet


def _tens_and_units(tens: int, units: int) -> list[str]:
    if tens == 0:
        return [DIGITS[units]] if units else []
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 4 and tens > 1:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _group(value: int, *, leading: bool) -> list[str]:
    """One group of three digits; `leading` is true for the highest group of the number."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or not leading:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0 and units and words:
        words.append("linh")
    return words + _tens_and_units(tens, units)


def _groups(number: int) -> list[int]:
    """1205000 -> [1, 205, 0]: groups of three digits, highest first."""
    groups = []
    while number:
        number, rest = divmod(number, 1000)
        groups.append(rest)
    return groups[::-1]


def _below_billion(number: int, *, leading: bool) -> list[str]:
    """Words of 0 <= number < 10**9; after a higher part (leading false) the first group
    keeps its zero hundreds: "tỷ không trăm linh năm triệu"."""
    groups = _groups(number)
    words: list[str] = []
    for index, value in enumerate(groups):
        if value:
            words += _group(value, leading=leading and not words)
            scale = SCALES[len(groups) - 1 - index]
            words += [scale] if scale else []
    return words


def number_words(number: int) -> str:
    """1205000 -> "một triệu hai trăm linh năm nghìn" (lower case, no currency)."""
    if number < 0 or number > MAXIMUM:
        raise BBTError(_("An amount in words must be between 0 and {maximum}.").format(
            maximum=f"{MAXIMUM:,}"))
    if number == 0:
        return DIGITS[0]
    billions, rest = divmod(number, 10**9)
    if not billions:
        return " ".join(_below_billion(rest, leading=True))
    # Past a tỷ the scale starts again: "hai mươi mốt tỷ", "một nghìn tỷ", "một tỷ tỷ".
    return " ".join([number_words(billions), "tỷ", *_below_billion(rest, leading=False)])


def amount_words(amount: int) -> str:
    """The "Bằng chữ" line: capitalised, with the currency: "Một triệu đồng"."""
    words = f"{number_words(amount)} đồng"
    return words[:1].upper() + words[1:]
