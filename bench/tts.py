"""Text to speech for a 2-minute loudspeaker bulletin: seconds of work per second of speech (the real-time
factor) for the voice (espeak-ng, or TTS_COMMAND when set) and for each encoding. Below 1 is faster than
the bulletin plays. `python -m bench.tts` runs it alone."""

import os
import time

from services.core import speech
from services.core.spoken import for_listening

TARGET_SECONDS = 120
ITEMS = [
    "## Cảnh báo lừa đảo\n\nTừ ngày 01/12/2026, đối tượng giả danh **CA phường** gọi điện qua số "
    "0912 345 678, yêu cầu cung cấp số CCCD và chuyển 5.000.000 đồng để “xác minh”. Tuyệt đối không "
    "chuyển tiền; gọi ngay 113 hoặc báo UBND phường.",
    "Thông báo của UBND TP. Đà Nẵng: mức hỗ trợ 1.500.000 đồng/hộ cho 1.234 hộ bị ảnh hưởng bởi bão số 4, "
    "chi trả từ 7h30 - 11h00 ngày 05/12/2026 tại trụ sở UBND P. Hòa Khánh Bắc. Mang theo CCCD và sổ hộ khẩu.",
    "Dự thảo quy định về ATTP đối với cơ sở kinh doanh thức ăn đường phố lấy ý kiến đến hết ngày "
    "10/12/2026; góp ý tại [Cổng dịch vụ công](https://dichvucong.danang.gov.vn) hoặc đường dây nóng "
    "1900 1234. Mức phạt đề xuất đến 40.000.000đ, tăng 15% so với năm 2025.",
    "Bảo hiểm: người dân tham gia BHYT hộ gia đình được giảm 30% từ người thứ 2; học sinh THPT đóng "
    "theo trường. Liên hệ BHXH quận qua số (0236) 3822 123 từ thứ 2 đến thứ 6.",
]
OPENING = "Kính thưa bà con! Sau đây là bản tin của Ủy ban nhân dân phường ngày 03/12/2026."
CLOSING = "Bản tin đến đây là hết. Xin cảm ơn bà con đã lắng nghe."


def bulletin(voice: speech.Voice) -> tuple[str, bytes, float]:
    """The items, repeated until the spoken bulletin lasts TARGET_SECONDS: its text, WAV and seconds of
    synthesis."""
    items: list[str] = []
    while True:
        items.append(ITEMS[len(items) % len(ITEMS)])
        text = " ".join(for_listening(part) for part in [OPENING, *items, CLOSING])
        started = time.perf_counter()
        wav = voice.synthesize(text)
        seconds = time.perf_counter() - started
        if speech.duration(wav) >= TARGET_SECONDS:
            return text, wav, seconds


def run() -> dict:
    voice = speech.voice({"TTS_COMMAND": os.environ.get("TTS_COMMAND", ""), "TTS_TIMEOUT": 600})
    text, wav, synthesis = bulletin(voice)
    result = {
        "voice": os.environ.get("TTS_COMMAND") or "espeak-ng -v vi",
        "words": len(text.split()),
        "speech_seconds": speech.duration(wav),
        "synthesis": synthesis,
    }
    for fmt in ("ogg", "mp3"):
        started = time.perf_counter()
        speech.encode(wav, fmt, timeout=600)
        result[fmt] = time.perf_counter() - started
    return result


def lines(result: dict) -> list[str]:
    speech_seconds = result["speech_seconds"]
    rows = [
        ("synthesis (WAV)", result["synthesis"]),
        ("encoding to Ogg/Opus 32 kb/s, loudness-normalised", result["ogg"]),
        ("encoding to MP3 64 kb/s, loudness-normalised", result["mp3"]),
        ("synthesis + both encodings", result["synthesis"] + result["ogg"] + result["mp3"]),
    ]
    return [
        f"Voice `{result['voice']}`; a bulletin of {result['words']:,} words built with `for_listening()` "
        f"lasting {speech_seconds:.0f} s.\n",
        "| step | seconds | real-time factor (s of work per s of speech) |\n|---|---|---|",
        *(f"| {step} | {seconds:.2f} | {seconds / speech_seconds:.3f} |" for step, seconds in rows),
    ]


if __name__ == "__main__":
    for line in lines(run()):
        print(line)
