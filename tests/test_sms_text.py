"""SMS text with real Vietnamese alert texts: unaccented into GSM-7, segments counted, composed to fit."""

import pytest

from services.core.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    chunks,
    compose,
    decode_gsm7,
    encode_gsm7,
    segments,
    unaccented,
)

ALERT = (
    "🚨 CẢNH BÁO LỪA ĐẢO: Đối tượng giả danh Công an phường Hải Châu gọi điện, yêu cầu “xác minh” "
    "tài khoản và chuyển tiền vào “tài khoản tạm giữ” — tuyệt đối không làm theo…"
)
WHAT_TO_DO = "Không chuyển tiền, không cung cấp mã OTP; gọi 113 hoặc Công an phường (0236 3821 234)."
LINK = "https://dn.gov.vn/s/7Kq2"
SENDER = "UBND P. Hải Châu"


def gsm7_only(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def test_vietnamese_is_unaccented_into_gsm7():
    assert unaccented("Đà Nẵng, Thừa Thiên Huế, Quảng Ngãi") == "Da Nang, Thua Thien Hue, Quang Ngai"
    assert unaccented(ALERT) == (
        'CANH BAO LUA DAO: Doi tuong gia danh Cong an phuong Hai Chau goi dien, yeu cau "xac minh" '
        'tai khoan va chuyen tien vao "tai khoan tam giu" - tuyet doi khong lam theo...'
    )


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("Nhiệt độ 39°C, ngày 3–5/12", "Nhiet do 39oC, ngay 3-5/12"),
        ("Phạt 5.000.000₫ × 2", "Phat 5.000.000d x 2"),
        ("Họp lúc 8h\u00a0sáng\tthứ Hai", "Hop luc 8h sang thu Hai"),
        ("Lưu ý ‘OTP’ • không chia sẻ 😊👍", "Luu y 'OTP' - khong chia se"),
        ("Ｔổ dân phố số １２", "To dan pho so 12"),  # full-width forms
        ("Giá €5 [miễn phí] {trẻ em}", "Gia €5 [mien phi] {tre em}"),  # the extension table is GSM-7
        ("中文 漢字 ✓", ""),  # nothing close: dropped, never garbage
        ("Dòng 1\r\n\r\nDòng 2", "Dong 1\nDong 2"),
    ],
)
def test_other_characters_become_close_gsm7_ones_or_go(written, sent):
    assert unaccented(written) == sent
    assert gsm7_only(unaccented(written))
    assert unaccented(unaccented(written)) == unaccented(written)


def test_gsm7_counts_160_single_and_153_a_part():
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    # An extension character takes two septets.
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2


def test_a_part_never_ends_between_an_escape_and_its_character():
    text = "a" * 152 + "€" + "b" * 10
    parts = chunks(text, "gsm7")
    assert parts == ["a" * 152, "€" + "b" * 10]
    assert all(len(encode_gsm7(part)) <= 153 for part in parts)


def test_ucs2_counts_70_single_and_67_a_part():
    assert segments("Đ" * 70, "ucs2") == 1
    assert segments("Đ" * 71, "ucs2") == 2
    assert segments("Đ" * 134, "ucs2") == 2
    assert segments("Đ" * 135, "ucs2") == 3
    # An emoji is a surrogate pair, never split across parts.
    parts = chunks("a" * 66 + "🚨" + "b" * 10, "ucs2")
    assert parts == ["a" * 66, "🚨" + "b" * 10]


def test_the_same_alert_costs_one_segment_unaccented_and_three_in_unicode():
    text = f"{ALERT} {LINK}"
    assert segments(text, "gsm7") == 2
    assert segments(text, "ucs2") == 3


def test_an_alert_that_fits_is_joined_whole():
    sms = compose(["CẢNH BÁO LỪA ĐẢO: giả danh công an.", WHAT_TO_DO, LINK, SENDER])
    assert sms == (
        "CANH BAO LUA DAO: gia danh cong an. Khong chuyen tien, khong cung cap ma OTP; goi 113 hoac "
        "Cong an phuong (0236 3821 234). https://dn.gov.vn/s/7Kq2 UBND P. Hai Chau"
    )


def test_a_long_alert_is_cut_in_its_body_at_a_word_boundary_keeping_link_and_sender():
    sms = compose([ALERT, ALERT, WHAT_TO_DO, LINK, SENDER])
    assert segments(sms) == 2
    assert sms.endswith("... https://dn.gov.vn/s/7Kq2 UBND P. Hai Chau")
    body = sms.removesuffix("... https://dn.gov.vn/s/7Kq2 UBND P. Hai Chau")
    assert unaccented(f"{ALERT} {ALERT}").startswith(body)
    assert unaccented(f"{ALERT} {ALERT}")[len(body)] == " "  # the cut falls between words
    assert len(sms) > 280  # and it uses the room it has


def test_one_segment_when_asked():
    sms = compose([ALERT, WHAT_TO_DO, LINK, SENDER], max_segments=1)
    assert segments(sms) == 1
    assert sms.endswith(f" {LINK} UBND P. Hai Chau")


def test_in_unicode_the_diacritics_stay_and_the_count_is_ucs2s():
    sms = compose([ALERT, WHAT_TO_DO, LINK, SENDER], encoding="ucs2")
    assert segments(sms, "ucs2") <= 2
    assert sms.startswith("🚨 CẢNH BÁO LỪA ĐẢO")
    assert sms.endswith(f"... {LINK} {SENDER}")


def test_without_room_for_any_body_the_link_and_sender_remain():
    sms = compose([ALERT, "x" * 150, SENDER], max_segments=1)
    assert sms == "UBND P. Hai Chau"
    assert compose(["Tin ngắn", SENDER]) == "Tin ngan UBND P. Hai Chau"
    assert compose([]) == ""


def test_gsm7_encoding_round_trips():
    text = "@£$ Hai Chau [3] {4} €5 ^|~\\ §¿"
    assert decode_gsm7(encode_gsm7(text)) == text
    assert encode_gsm7("€") == b"\x1b\x65"
    with pytest.raises(ValueError):
        encode_gsm7("Đ")


def test_an_unknown_encoding_is_refused():
    with pytest.raises(ValueError, match="gsm7 or ucs2"):
        segments("x", "utf8")
