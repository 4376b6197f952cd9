"""Text written for listening: what the commune loudspeaker's listener hears, word for word."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.core.spoken import ABBREVIATIONS, for_listening, number


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "không"),
        (10, "mười"),
        (11, "mười một"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1015, "một nghìn không trăm mười lăm"),
        (2026, "hai nghìn không trăm hai mươi sáu"),
        (21_000, "hai mươi mốt nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (1_000_005, "một triệu không trăm linh năm"),
        (2_000_000_001, "hai tỷ không trăm linh một"),
        (1_000_000_000_005, "một nghìn tỷ không trăm linh năm"),
    ],
)
def test_numbers_are_read_the_vietnamese_way(value, words):
    assert number(value) == words


@pytest.mark.parametrize(
    ("written", "heard"),
    [
        (
            "Cảnh báo: từ ngày 01/12/2026, đối tượng giả danh CA phường gọi điện yêu cầu cung cấp số CCCD "
            "và mã OTP. Tuyệt đối không chuyển tiền!",
            "Cảnh báo: từ ngày một tháng mười hai năm hai nghìn không trăm hai mươi sáu, đối tượng giả danh "
            "công an phường gọi điện yêu cầu cung cấp số căn cước công dân và mã OTP. Tuyệt đối không "
            "chuyển tiền!",
        ),
        (
            "UBND TP. Đà Nẵng thông báo: mức hỗ trợ 1.500.000 đồng/hộ, chi trả từ 7h30 - 11h00 ngày "
            "05/12/2026 tại trụ sở UBND P. Hòa Khánh Bắc.",
            "Ủy ban nhân dân thành phố Đà Nẵng thông báo: mức hỗ trợ một triệu năm trăm nghìn đồng một hộ, "
            "chi trả từ bảy giờ ba mươi phút đến mười một giờ ngày năm tháng mười hai năm hai nghìn không "
            "trăm hai mươi sáu tại trụ sở Ủy ban nhân dân phường Hòa Khánh Bắc.",
        ),
        (
            "Lãi suất vay ưu đãi 6,6%/năm; tối đa 100.000.000 VNĐ mỗi hộ.",
            "Lãi suất vay ưu đãi sáu phẩy sáu phần trăm một năm; tối đa một trăm triệu đồng mỗi hộ.",
        ),
        (
            "Phạt đến 40.000.000đ với cơ sở vi phạm ATTP, theo Nghị định 115/2018/NĐ-CP.",
            "Phạt đến bốn mươi triệu đồng với cơ sở vi phạm an toàn thực phẩm, theo Nghị định một trăm "
            "mười lăm năm hai nghìn không trăm mười tám.",
        ),
        (
            "Học sinh THPT nghỉ học từ 13:00 chiều nay; kỳ thi lùi sang tháng 4/2027.",
            "Học sinh trung học phổ thông nghỉ học từ mười ba giờ chiều nay; kỳ thi lùi sang tháng tư năm "
            "hai nghìn không trăm hai mươi bảy.",
        ),
        (
            "Kỳ họp HĐND khóa XI bàn kế hoạch Quý IV; Chương II, Chương IX. Tổng đài 1022 trực 24/7.",
            "Kỳ họp Hội đồng nhân dân khóa mười một bàn kế hoạch Quý bốn; Chương hai, Chương chín. Tổng "
            "đài một không hai hai trực hai mươi tư trên bảy.",
        ),
        (
            "Bão số 4 (tên quốc tế YAGI) cách Q. Sơn Trà 250 km, gió mạnh 117 km/h, mưa 200-300 mm.",
            "Bão số bốn, tên quốc tế YAGI, cách quận Sơn Trà hai trăm năm mươi ki lô mét, gió mạnh một "
            "trăm mười bảy ki lô mét trên giờ, mưa hai trăm đến ba trăm mi li mét.",
        ),
        (
            "Năm 2025, 21 xã đạt chuẩn, tăng 1,5 lần; 105 hộ thoát nghèo; diện tích 1.234 ha; "
            "giá 25.000 đ/kg; nhiệt độ -5°C.",
            "Năm hai nghìn không trăm hai mươi lăm, hai mươi mốt xã đạt chuẩn, tăng một phẩy năm lần; một "
            "trăm linh năm hộ thoát nghèo; diện tích một nghìn hai trăm ba mươi tư héc ta; giá hai mươi "
            "lăm nghìn đồng một ki lô gam; nhiệt độ âm năm độ xê.",
        ),
    ],
)
def test_alerts_and_notices_are_read_in_words(written, heard):
    assert for_listening(written) == heard


def test_phone_numbers_are_read_digit_by_digit_in_their_groups():
    assert for_listening(
        "Mọi thắc mắc xin liên hệ Đ/c Nguyễn Văn An, SĐT 0905.123.456, hoặc đường dây nóng 1900 1234."
    ) == (
        "Mọi thắc mắc xin liên hệ đồng chí Nguyễn Văn An, số điện thoại không chín không năm, một hai ba, "
        "bốn năm sáu, hoặc đường dây nóng một chín không không, một hai ba bốn."
    )
    # Written without spaces: the usual 4-3-3 grouping; +84 is said, then 3-3-3.
    assert for_listening("Gọi 0912345678 hoặc +84912345678") == (
        "Gọi không chín một hai, ba bốn năm, sáu bảy tám hoặc cộng tám bốn, chín một hai, ba bốn năm, "
        "sáu bảy tám."
    )
    assert for_listening("Gọi ngay 113 hoặc 114 khi có cháy nổ. Có 113 hộ bị ảnh hưởng.") == (
        "Gọi ngay một một ba hoặc một một bốn khi có cháy nổ. Có một trăm mười ba hộ bị ảnh hưởng."
    )
    assert for_listening("Hotline 1022 hoặc 1.500 hộ hoặc 1200 người") == (
        "Hotline một không hai hai hoặc một nghìn năm trăm hộ hoặc một nghìn hai trăm người."
    )
    # An identifier with a leading zero is not an amount.
    assert for_listening("CCCD 001234567890") == (
        "căn cước công dân không không một hai ba bốn năm sáu bảy tám chín không."
    )


def test_a_rate_is_read_per_one():
    assert for_listening("Uống 2 viên/lần, 3 lần/ngày; giá 25.000đ/kg; Sở Y tế/UBND phường") == (
        "Uống hai viên một lần, ba lần một ngày; giá hai mươi lăm nghìn đồng một ki lô gam; Sở Y tế Ủy "
        "ban nhân dân phường."
    )


def test_markdown_links_and_addresses_leave_only_what_is_said():
    written = (
        "## Lịch tiêm chủng\n\n"
        "- **Thứ 4**, 10/12: trẻ dưới 5 tuổi\n"
        "- *Thứ 6*, 12/12: người trên 60 tuổi có BHYT\n\n"
        "Xem chi tiết tại [Cổng dịch vụ công](https://dichvucong.danang.gov.vn/tiem-chung) "
        "hoặc gửi thư tới hotro@danang.gov.vn, www.danang.gov.vn."
    )
    assert for_listening(written) == (
        "Lịch tiêm chủng. Thứ tư, ngày mười tháng mười hai: trẻ dưới năm tuổi. Thứ sáu, ngày mười hai "
        "tháng mười hai: người trên sáu mươi tuổi có bảo hiểm y tế. Xem chi tiết tại Cổng dịch vụ công "
        "hoặc gửi thư tới."
    )


@pytest.mark.parametrize("written", ["🔥🔥 *** ### !!!", "https://example.vn/lua-dao", "  \n", "---"])
def test_text_with_nothing_to_say_is_empty(written):
    assert for_listening(written) == ""


def test_one_letter_abbreviations_only_before_a_place_or_a_number():
    assert for_listening("Q.1, P. Tân Định, TP.HCM") == "quận một, phường Tân Định, thành phố Hồ Chí Minh."
    assert for_listening("Phương án P. a") == "Phương án P. a."


def test_the_abbreviation_table_is_complete_for_what_notices_use():
    for written in ("UBND", "HĐND", "TP.", "CA", "CCCD", "BHYT", "BHXH", "THPT", "ATTP", "PCCC"):
        assert ABBREVIATIONS[written] in for_listening(f"Thông báo của {written} hôm nay")


def test_a_deployment_adds_its_own_abbreviations(monkeypatch):
    assert for_listening("Liên hệ BQL chợ Hàn") == "Liên hệ BQL chợ Hàn."
    monkeypatch.setitem(ABBREVIATIONS, "BQL", "ban quản lý")
    assert for_listening("Liên hệ BQL chợ Hàn") == "Liên hệ ban quản lý chợ Hàn."


# What editors type: words, numbers in every notation the rules read, Markdown and address characters.
pieces = st.sampled_from(
    [
        *("Cảnh báo", "UBND", "TP.", "Q.", "P.", "CA", "gọi", "ngày", "tháng", "thứ", "đ", "%", "km/h", "m2"),
        *("1.500.000", "2,5", "03/12/2026", "12/2026", "7h30", "07:30", "0912 345 678", "+84", "113", "-"),
        *("100/2019/NĐ-CP", "(", ")", "/", "*", "**", "#", "[", "](", "http://", "www.", "@", ".vn", "\n"),
    ]
)


@given(st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=30).map(" ".join))
def test_any_text_becomes_speakable_words(text):
    """Never an error, never a symbol or an address left for the voice to spell out."""
    heard = for_listening(text)
    assert heard == heard.strip()
    assert not re.search(r"[*#\[\]<>`|~^=+{}]|https?:|www\.|\s[.,;:!?]|  ", heard)
