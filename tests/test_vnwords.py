"""Amounts in Vietnamese words ("Bằng chữ"): hand-checked sentences for every group shape,
and properties over random amounts checked by an independent reader of the words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BBTError
from domain.vnwords import MAXIMUM, amount_words, number_words

HAND_CHECKED = {
    0: "không",
    5: "năm",
    10: "mười",
    11: "mười một",
    14: "mười bốn",
    15: "mười lăm",
    20: "hai mươi",
    21: "hai mươi mốt",
    24: "hai mươi tư",
    25: "hai mươi lăm",
    55: "năm mươi lăm",
    100: "một trăm",
    101: "một trăm linh một",
    104: "một trăm linh bốn",
    105: "một trăm linh năm",
    110: "một trăm mười",
    115: "một trăm mười lăm",
    1_000: "một nghìn",
    1_005: "một nghìn không trăm linh năm",
    1_010: "một nghìn không trăm mười",
    1_100: "một nghìn một trăm",
    2_024: "hai nghìn không trăm hai mươi tư",
    10_000: "mười nghìn",
    15_000: "mười lăm nghìn",
    101_000: "một trăm linh một nghìn",
    1_000_000: "một triệu",
    1_000_005: "một triệu không trăm linh năm",
    1_205_000: "một triệu hai trăm linh năm nghìn",
    1_250_000: "một triệu hai trăm năm mươi nghìn",
    21_000_000_000: "hai mươi mốt tỷ",
    21_000_000_005: "hai mươi mốt tỷ không trăm linh năm",
    1_005_000_000: "một tỷ không trăm linh năm triệu",
    1_000_000_000_000: "một nghìn tỷ",
}


@pytest.mark.parametrize(("amount", "words"), HAND_CHECKED.items())
def test_hand_checked_sentences(amount: int, words: str) -> None:
    assert number_words(amount) == words


def test_bang_chu_line_is_capitalised_with_the_currency() -> None:
    assert amount_words(1_205_000) == "Một triệu hai trăm linh năm nghìn đồng"
    assert amount_words(0) == "Không đồng"


@pytest.mark.parametrize("amount", [-1, MAXIMUM + 1])
def test_out_of_range_is_refused(amount: int) -> None:
    with pytest.raises(BBTError):
        number_words(amount)


# An independent reader: words back to a number, by the rules a person reads them.
VALUES = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
          "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
SCALE = {"nghìn": 10**3, "triệu": 10**6}


def read_words(text: str) -> int:
    total, billions, group, current = 0, 0, 0, 0
    for word in text.split():
        if word in VALUES:
            current = VALUES[word]
        elif word == "mười":
            group += 10
        elif word == "mươi":
            group += current * 10
            current = 0
        elif word == "trăm":
            group += current * 100
            current = 0
        elif word == "linh":
            continue
        elif word in SCALE:
            total += (group + current) * SCALE[word]
            group = current = 0
        elif word == "tỷ":
            billions = (billions + total + group + current) * 10**9
            total = group = current = 0
        else:
            raise AssertionError(word)
    return billions + total + group + current


@given(st.integers(min_value=0, max_value=MAXIMUM))
def test_words_read_back_to_the_amount(amount: int) -> None:
    assert read_words(number_words(amount)) == amount


@given(st.integers(min_value=1_000, max_value=999_999_999_999))
def test_every_group_after_the_first_keeps_its_hundreds(amount: int) -> None:
    words = number_words(amount)
    assert "lẻ" not in words
    groups = [amount // 10**k % 1000 for k in range(0, 12, 3)]
    highest = max(k for k, g in enumerate(groups) if g)
    # Each non-zero group below the highest is read with its hundreds ("không trăm" too).
    expected_trams = sum(1 for k, g in enumerate(groups) if g and (k < highest or g >= 100))
    assert words.split().count("trăm") == expected_trams


@given(st.integers(min_value=2, max_value=9), st.integers(min_value=0, max_value=9))
def test_units_after_twenty_or_more(tens: int, units: int) -> None:
    words = number_words(tens * 10 + units).split()
    expected = {0: None, 1: "mốt", 4: "tư", 5: "lăm"}.get(units, number_words(units))
    assert words[-1] == (expected or "mươi")
