"""Vietnamese text written for listening: what a commune loudspeaker reader or a TTS voice should say.

`for_listening()` turns a notice or an alert as editors write it (Markdown, digits, abbreviations, links)
into plain sentences with every number, date, time, phone number, amount and abbreviation in words.

Numbers follow the standard (northern, broadcast) reading: "linh" for a zero tens digit, "mốt", "tư" and
"lăm" after a tens digit, and "không trăm" in every group after the first (2026 is "hai nghìn không trăm
hai mươi sáu"). num2words' `lang="vi"` was tried and not used: it reads 2026 "hai nghìn lẻ hai mươi sáu",
1015 "một nghìn lẻ mười lăm" and 2,5 "hai phẩy năm mươi", and it is LGPL.
"""

import functools
import re
import unicodedata

from markdown_it import MarkdownIt

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ("", "nghìn", "triệu")  # then "tỷ", read recursively: 10^12 is "nghìn tỷ"

# Abbreviations as written in notices → as read aloud. Matched case-sensitively as whole words; a
# deployment may add its own (a local body's initials) to this dict at start-up.
ABBREVIATIONS = {
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "MTTQ": "Mặt trận Tổ quốc",
    "TP.": "thành phố",
    "Tp.": "thành phố",
    "TP": "thành phố",
    "TX.": "thị xã",
    "HCM": "Hồ Chí Minh",
    "CAND": "công an nhân dân",
    "CA": "công an",
    "CSGT": "cảnh sát giao thông",
    "CCCD": "căn cước công dân",
    "CMND": "chứng minh nhân dân",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "BHTN": "bảo hiểm thất nghiệp",
    "THPT": "trung học phổ thông",
    "THCS": "trung học cơ sở",
    "ATTP": "an toàn thực phẩm",
    "PCCC": "phòng cháy chữa cháy",
    "CNCH": "cứu nạn cứu hộ",
    "PCTT": "phòng chống thiên tai",
    "TKCN": "tìm kiếm cứu nạn",
    "GPLX": "giấy phép lái xe",
    "TTHC": "thủ tục hành chính",
    "HTX": "hợp tác xã",
    "TDP": "tổ dân phố",
    "KT-XH": "kinh tế xã hội",
    "GD&ĐT": "giáo dục và đào tạo",
    "SĐT": "số điện thoại",
    "ĐT": "điện thoại",
    "Đ/c": "đồng chí",
    "đ/c": "đồng chí",
    "VNĐ": "đồng",
    "VND": "đồng",
    "VN": "Việt Nam",
}
# One-letter abbreviations only where a place name or a number follows: "Q. Hải Châu", "P.3".
_PLACE_LETTERS = {"Q": "quận", "P": "phường", "X": "xã"}

# After a number: symbol → words. Longest first, so "km2" wins over "km" and "m".
_UNITS = {
    "%": "phần trăm",
    "VNĐ": "đồng",
    "VND": "đồng",
    "vnđ": "đồng",
    "vnd": "đồng",
    "đồng": "đồng",
    "đ": "đồng",
    "km/h": "ki lô mét trên giờ",
    "km2": "ki lô mét vuông",
    "km²": "ki lô mét vuông",
    "km": "ki lô mét",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "m3": "mét khối",
    "m³": "mét khối",
    "cm": "xăng ti mét",
    "mm": "mi li mét",
    "ml": "mi li lít",
    "kg": "ki lô gam",
    "ha": "héc ta",
    "°C": "độ xê",
    "m": "mét",
    "g": "gam",
}

_markdown = MarkdownIt("commonmark", {"html": False})
# Links and addresses, dropped. Each pattern starts only where a run of address characters starts, and the
# dotted names are matched whole and tested afterwards, so a long run of "a.a.a…" costs linear time.
_URL = re.compile(r"(?:https?://|www\.)\S*|(?<![\w.@-])[\w.-]+@[\w-]+(?:\.[\w-]+)++")
_DOTTED = re.compile(r"(?<![\w.@/-])[\w-]+(?:\.[\w-]+)++(?:/\S*)?")
_TOP_DOMAINS = {"vn", "com", "net", "org", "info", "gov", "edu"}
_LEGAL = re.compile(r"(?<![\w/])(\d+)(?:/(\d{4}))?/[A-ZĐ][A-ZĐa-z]*(?:-[A-ZĐ][A-ZĐa-z]*)*")
_AREA_CODE = re.compile(r"\((0\d{1,3})\)\s*(?=\d)")  # (028) 3822 1234
# Short service numbers are said digit by digit after a word that calls them: "gọi ngay 113", "tổng đài
# 1022"; police 113, fire 114 and ambulance 115 also after "số" or "hoặc".
_SERVICE_NUMBER = re.compile(
    r"\b((?i:gọi|tổng đài|đường dây nóng|hotline)(?:\s+[^\W\d]+){0,2}?)\s+(1\d{2,4})\b(?![ .-]?\d)"
    r"|\b((?i:số|hoặc))\s+(11[1-5])\b"
)
_ROUND_THE_CLOCK = re.compile(r"(?<![\d/])24/7(?![\d/])")
# Roman numerals where notices use them: "Quý IV", "Khóa XV", "Chương II".
_ROMAN = re.compile(r"\b(?i:(quý|khóa|khoá|chương|phần|mục|đợt))\s+([IVX]+)\b")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_PHONE = re.compile(r"(?<![\w+])(?:\+84|0|1[89]00)(?:[ .-]?\d{2,4}){1,4}(?![\w])")
_DATE = re.compile(r"(?:\b(ngày|Ngày)\s+)?(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
_MONTH_YEAR = re.compile(r"(?:\b(tháng|Tháng)\s+)?(?<![\d/])(\d{1,2})/(\d{4})(?![\d/])")
_TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-4])(?::([0-5]\d)|h([0-5]\d)?|g([0-5]\d))(?![\w:])'?")
_RANGE = re.compile(r"(\d(?:h\d*)?)\s*[–—-]\s*(?=\d)")
_NEGATIVE = re.compile(r"(?<![\w])-(?=\d)")
_ORDINAL = re.compile(r"\b(thứ|Thứ|tháng|Tháng)\s+0?([14])(?!\d)")
_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+|\d+\.\d{1,2}(?!\d)|\d+"
_UNIT = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?<![\w,.])({_NUMBER})(?:\s*({_UNIT})(?![\w²³])(?:(/)(?:({_UNIT})(?![\w²³])|(?=\w)))?)?"
)
_PLACE = re.compile(rf"(?<![\w.])([{''.join(_PLACE_LETTERS)}])\.\s*(?=\d|[A-ZĐÀ-Ỹ])")
_PER = re.compile(r"(?<![\w.,])\d[\d.,]*\s*([^\W\d]+)/(?=[^\W\d])")
_UNSPOKEN = re.compile(r"[^\w\s.,;:!?…()\-–—/&]")
_END = ".!?…:;"


def for_listening(text: str) -> str:
    """The text as it should be read aloud; "" when nothing in it can be spoken."""
    text = unicodedata.normalize("NFC", text)
    sentences = []
    for block in _blocks(text):
        spoken = _speak(block)
        if spoken:
            sentences.append(spoken if spoken[-1] in _END else spoken + ".")
    return " ".join(sentences)


def number(value: int) -> str:
    """An integer in words: 1500000 → "một triệu năm trăm nghìn",
    2026 → "hai nghìn không trăm hai mươi sáu"."""
    if value < 0:
        return "âm " + number(-value)
    if value == 0:
        return DIGITS[0]
    billions, rest = divmod(value, 10**9)
    words = [number(billions), "tỷ"] if billions else []
    groups = []
    while rest:
        rest, group = divmod(rest, 1000)
        groups.append(group)
    for scale in reversed(range(len(groups))):
        if groups[scale]:
            words += [_hundreds(groups[scale], full=bool(words)), _SCALES[scale]]
    return " ".join(w for w in words if w)


def digits(text: str) -> str:
    """Digit by digit: "113" → "một một ba"."""
    return " ".join(DIGITS[int(d)] for d in text if d.isdigit())


def _hundreds(value: int, *, full: bool) -> str:
    """0-999; `full` after a higher group, where a missing hundred is read "không trăm"."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 4 and tens >= 2:
            words.append("tư")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        else:
            words.append(DIGITS[units])
    return " ".join(words)


def _decimal(text: str) -> str:
    """A number as written in Vietnamese: "1.500.000", "2,5" ("hai phẩy năm"), "0,05", "2.1" (a section)."""
    if "," in text:
        whole, fraction = text.replace(".", "").split(",")
        # "2,25" is "hai phẩy hai mươi lăm"; "0,05" and longer fractions digit by digit.
        short = len(fraction) <= 2 and not fraction.startswith("0")
        return f"{number(int(whole))} phẩy {number(int(fraction)) if short else digits(fraction)}"
    if re.fullmatch(r"\d+\.\d{1,2}", text):
        whole, part = text.split(".")
        return f"{number(int(whole))} chấm {number(int(part))}"
    if text.isdigit() and (len(text) > 12 or (len(text) > 2 and text.startswith("0"))):
        return digits(text)  # an identifier (a case number, a CCCD), not an amount
    return number(int(text.replace(".", "")))


def _quantity(match: re.Match) -> str:
    """A number with its unit; a rate's slash is read "một": "500.000đ/tháng" → "… đồng một tháng"."""
    said = _decimal(match[1])
    if match[2]:
        said += " " + _UNITS[match[2]] + (" một " if match[3] else "") + _UNITS.get(match[4], "")
    return said


def _per(match: re.Match) -> str:
    """A rate after a count, "5 người/hộ" → "5 người một hộ"; units are _quantity()'s."""
    return match[0] if match[1] in _UNITS else match[0][:-1] + " một "


def _blocks(text: str) -> list[str]:
    """The Markdown's blocks as plain text: link text kept, emphasis, headings, bullets and code dropped."""
    blocks = []
    for token in _markdown.parse(text):
        if token.type != "inline":
            continue
        parts = []
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        blocks.append("".join(parts))
    return blocks


def _speak(text: str) -> str:
    text = _DOTTED.sub(_domain, _URL.sub(" ", text))
    text = _LEGAL.sub(_legal, text)
    text = _SERVICE_NUMBER.sub(lambda m: f"{m[1] or m[3]} {digits(m[2] or m[4])}", text)
    text = _PHONE.sub(_phone, _AREA_CODE.sub(r"\1 ", text))
    text = _ROUND_THE_CLOCK.sub("hai mươi tư trên bảy", text)
    text = _ROMAN.sub(lambda m: f"{m[1]} {number(_roman(m[2]))}", text)
    text = _RANGE.sub(r"\1 đến ", text)
    text = _DATE.sub(_date, text)
    text = _MONTH_YEAR.sub(_month_year, text)
    text = _TIME.sub(_time, text)
    text = _NEGATIVE.sub("âm ", text)
    text = _ORDINAL.sub(_ordinal, text)
    text = _PLACE.sub(lambda m: _PLACE_LETTERS[m[1]] + " ", text)
    text = _abbreviations(tuple(ABBREVIATIONS)).sub(lambda m: f" {ABBREVIATIONS[m[0]]} ", text)
    text = _QUANTITY.sub(_quantity, _PER.sub(_per, text))
    text = text.replace("&", " và ").replace("/", " ")
    return _tidy(_UNSPOKEN.sub(" ", text))


def _domain(match: re.Match) -> str:
    """A bare site name ("dichvucong.gov.vn/abc") dropped; other dotted words ("1.500.000", "TP.HCM") kept."""
    host = match[0].split("/")[0]
    return " " if host.rsplit(".", 1)[-1].lower() in _TOP_DOMAINS else match[0]


@functools.lru_cache(maxsize=2)
def _abbreviations(keys: tuple[str, ...]) -> re.Pattern:
    """The table's keys as one pattern, longest first; built again only when the table changes."""
    return re.compile(
        "|".join(
            rf"(?<!\w){re.escape(key)}" + ("" if key.endswith(".") else r"(?![\w&])")  # "TP.HCM" too
            for key in sorted(keys, key=len, reverse=True)
        )
    )


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if v < after else v for v, after in zip(values, values[1:] + [0], strict=True))


def _legal(match: re.Match) -> str:
    """A document's number, "100/2019/NĐ-CP" → "một trăm năm hai nghìn không trăm mười chín": the issuer's
    code is dropped (the document's kind is named before it)."""
    return number(int(match[1])) + (f" năm {number(int(match[2]))}" if match[2] else "")


def _phone(match: re.Match) -> str:
    raw = match[0]
    count = sum(c.isdigit() for c in raw)
    if raw.startswith("+84"):
        valid, head, raw = count in (11, 12), "cộng tám bốn, ", raw[3:]
    else:  # 0xxx mobile and landline numbers, 1800/1900 service numbers
        valid, head = count in ((10, 11) if raw.startswith("0") else (8, 10)), ""
    if not valid:
        return match[0]
    groups = re.split(r"[ .-]+", raw.strip(" .-"))
    if len(groups) == 1:  # written without spaces: read as 4-3-3 (0912 345 678) or 3-3-3 after +84
        bare = groups[0]
        first = 3 if head else 4
        groups = [bare[:first]] + [bare[i : i + 3] for i in range(first, len(bare), 3)]
        if len(groups[-1]) == 1:
            groups[-2:] = [groups[-2] + groups[-1]]
    return head + ", ".join(digits(g) for g in groups)


def _ordinal(match: re.Match) -> str:
    """ "thứ 1" → "thứ nhất", "thứ 4" (Wednesday, the fourth) → "thứ tư", "tháng 4" → "tháng tư"."""
    first = match[2] == "1" and match[1].lower() == "thứ"
    return f"{match[1]} {'nhất' if first else _month(match[2])}"


def _month(value: str) -> str:
    return "tư" if int(value) == 4 else number(int(value))


def _date(match: re.Match) -> str:
    day, month, year = int(match[2]), int(match[3]), match[4]
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match[0]
    said = f"{match[1] or 'ngày'} {number(day)} tháng {_month(match[3])}"
    return said + (f" năm {number(int(year))}" if year else "")


def _month_year(match: re.Match) -> str:
    if not 1 <= int(match[2]) <= 12:
        return match[0]
    return f"{match[1] or 'tháng'} {_month(match[2])} năm {number(int(match[3]))}"


def _time(match: re.Match) -> str:
    minutes = next((m for m in match.groups()[1:] if m), None)
    said = f"{number(int(match[1]))} giờ"
    return said + (f" {number(int(minutes))} phút" if minutes and int(minutes) else "")


def _tidy(text: str) -> str:
    """White space collapsed, no space before punctuation, no run of punctuation; "" without a letter."""
    text = re.sub(r"[()]", ", ", text)
    text = re.sub(r"(?<!\w)[-–—]+(?!\w)", ", ", text)  # a dash in prose is a pause
    text = re.sub(r"\s+([.,;:!?…])", r"\1", re.sub(r"\s+", " ", text))
    text = re.sub(r"([.,;:!?…])[.,;:]+", r"\1", text)
    text = re.sub(r",([.!?…])", r"\1", text)
    text = text.lstrip(" .,;:!?…").rstrip(" ,;:")
    return text if any(c.isalpha() for c in text) else ""
