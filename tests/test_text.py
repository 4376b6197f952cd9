"""normalize(): one folding of Vietnamese text for search, so "da nang" finds "Đà Nẵng"; fold() for
duplicates; storable() for what no stored text may hold."""

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from services.core.text import fold, normalize, storable

VIETNAMESE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng

vietnamese = st.text(alphabet=st.sampled_from(VIETNAMESE_LETTERS + TONE_MARKS + " \t\n"), max_size=40)
any_text = st.text(max_size=40)
# Letters of every case and script, combining marks and spaces: where case folding and NFC/NFD disagree.
tricky = st.text(st.characters(categories=("Lu", "Ll", "Lt", "Lo", "Mn", "Mc", "Zs", "Cc")), max_size=20)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đà Nẵng", "da nang"),
        ("Thành phố Đà Nẵng", "thanh pho da nang"),
        ("Lào Cai", "lao cai"),
        ("Thành phố Hồ Chí Minh", "thanh pho ho chi minh"),
        ("Phường Hải Châu", "phuong hai chau"),
        ("Sở Y tế", "so y te"),
        ("ĐƯỜNG", "duong"),
        ("  Đà\t\tNẵng \n", "da nang"),
        ("", ""),
        (None, ""),
    ],
)
def test_known_foldings(text, folded):
    assert normalize(text) == folded


@pytest.mark.parametrize("letter", ["Đ", "đ"])
def test_d_with_stroke_folds_to_d(letter):
    assert normalize(letter) == "d"
    assert normalize(f"{letter}ồng Nai") == "dong nai"


@given(st.one_of(vietnamese, tricky, any_text))
@example("Đà Nẵng")
@example("ǅ")
def test_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.one_of(vietnamese, tricky, any_text))
@example("Đà Nẵng")
def test_nfc_and_nfd_inputs_agree(text):
    assert normalize(unicodedata.normalize("NFC", text)) == normalize(unicodedata.normalize("NFD", text))


@given(vietnamese)
def test_vietnamese_folds_to_plain_lower_ascii(text):
    assert all(ch.isascii() and not ch.isupper() for ch in normalize(text))


@given(st.one_of(vietnamese, tricky, any_text))
def test_no_d_with_stroke_survives(text):
    assert "đ" not in normalize(text) and "Đ" not in normalize(text)


@given(st.one_of(vietnamese, tricky, any_text))
def test_white_space_is_collapsed_and_trimmed(text):
    folded = normalize(text)

    assert folded == folded.strip()
    assert "  " not in folded
    assert all(ch == " " or not ch.isspace() for ch in folded)


@given(st.lists(st.text(alphabet=VIETNAMESE_LETTERS, min_size=1, max_size=8), min_size=1, max_size=5))
def test_spacing_between_words_does_not_matter(words):
    assert (
        normalize(" ".join(words))
        == normalize("\t  ".join(words))
        == normalize("\n" + "  \u00a0".join(words))
    )


@given(vietnamese, vietnamese)
def test_a_folded_part_is_found_in_the_folded_whole(prefix, suffix):
    # The property search relies on: what the user types, folded, is inside the folded name.
    name = f"{prefix} Đà Nẵng {suffix}"
    assert normalize("da nang") in normalize(name)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (unicodedata.normalize("NFD", "Tăng mức hỗ trợ"), "Tăng mức hỗ trợ"),  # NFD beside NFC
        ("Tăng  mức\n hỗ trợ ", "Tăng mức hỗ trợ"),
        ("TĂNG MỨC HỖ TRỢ", "tăng mức hỗ trợ"),
    ],
)
def test_fold_makes_one_text_of_what_differs_only_in_form(a, b):
    assert fold(a) == fold(b) == unicodedata.normalize("NFC", "tăng mức hỗ trợ")


def test_fold_keeps_the_diacritics_that_make_words_differ():
    assert fold("Tăng") != fold("Tặng") and fold("Tăng") == "tăng"


@pytest.mark.parametrize(
    "text", ["ok", "Đà Nẵng 😀", "tab\there", "line\nbreak\r\n", "\u202eRTL", "\ufeffBOM"]
)
def test_text_people_type_is_storable(text):
    assert storable(text)


@pytest.mark.parametrize("text", ["\x00", "a\x01", "\x1b[31m", "\x7f", "\x85", "\x9f", "ok\udfff", "\ud83d"])
def test_control_characters_and_lone_surrogates_are_not(text):
    assert not storable(text)
