"""Offline speech: Vietnamese text becomes Ogg/Opus and MP3 that players decode, and every failure of the
programs behind it is a SpeechUnavailable, never a hang."""

import re
import subprocess

import pytest

from services.core import speech
from services.core.speech import CommandVoice, EspeakVoice, SpeechUnavailable
from services.core.spoken import for_listening

ALERT = (
    "Cảnh báo lừa đảo: đối tượng giả danh CA phường gọi điện yêu cầu chuyển 5.000.000 đồng để "
    "“xác minh” tài khoản. Không chuyển tiền, gọi ngay 113."
)


def probe(audio: bytes, tmp_path, entry: str) -> str:
    path = tmp_path / "audio"
    path.write_bytes(audio)
    return subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", entry, "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def loudness(audio: bytes) -> float:
    """Integrated loudness (LUFS) as ffmpeg's EBU R128 meter measures it."""
    report = subprocess.run(
        ["ffmpeg", "-hide_banner", "-i", "pipe:0", "-af", "ebur128", "-f", "null", "-"],
        input=audio,
        capture_output=True,
        check=True,
    ).stderr.decode()
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", report)[-1])


@pytest.fixture(scope="module")
def wav():
    return speech.voice({}).synthesize(for_listening(ALERT))


def test_a_vietnamese_alert_becomes_opus_and_mp3_of_the_right_length(wav, tmp_path):
    assert len(for_listening(ALERT).split()) >= 20
    assert wav.startswith(b"RIFF")
    spoken = speech.duration(wav)
    assert 3 < spoken < 20

    ogg = speech.encode(wav, "ogg")
    assert ogg.startswith(b"OggS")
    assert probe(ogg, tmp_path, "stream=codec_name,channels") == "opus,1"
    mp3 = speech.encode(wav, "mp3")
    assert probe(mp3, tmp_path, "stream=codec_name,channels") == "mp3,1"
    for audio in (ogg, mp3):
        assert speech.duration(audio) == pytest.approx(spoken, abs=0.5)
    assert len(ogg) < len(mp3) < len(wav) / 4


def test_audio_is_loudness_normalised_however_loud_the_voice(wav):
    quiet = CommandVoice(["espeak-ng", "-v", "vi", "-a", "15", "--stdout"]).synthesize(for_listening(ALERT))
    assert loudness(quiet) < loudness(wav) - 6
    for source in (quiet, wav):
        assert -19 < loudness(speech.encode(source, "ogg")) < -13


def test_a_configured_command_gets_the_text_on_stdin_never_as_options(tmp_path):
    voice = speech.voice({"TTS_COMMAND": "espeak-ng -v vi --stdout", "TTS_TIMEOUT": 30})
    assert isinstance(voice, CommandVoice) and not isinstance(voice, EspeakVoice)
    # Text that would be options on a command line is only words here.
    wav = voice.synthesize("--version -w /tmp/x.wav")
    assert wav.startswith(b"RIFF") and speech.duration(wav) > 0.5
    assert not (tmp_path / "x.wav").exists()


def test_a_missing_program_is_unavailable_with_a_clear_message(monkeypatch, tmp_path):
    voice = speech.voice({"TTS_COMMAND": "/opt/piper/bin/piper --model vi_VN.onnx --output_file -"})
    with pytest.raises(SpeechUnavailable, match="/opt/piper/bin/piper is not installed") as raised:
        voice.synthesize("Xin chào")
    assert raised.value.status == 503 and raised.value.retry_after

    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on this PATH
    with pytest.raises(SpeechUnavailable, match="ffmpeg is not installed"):
        speech.encode(b"RIFF", "mp3")


def test_a_hanging_voice_times_out_and_leaves_nothing_running():
    # The shell waits for its own child: killing the shell alone would leave sleep holding the pipes.
    voice = CommandVoice(["sh", "-c", "sleep 61.7; true"], timeout=0.5)
    with pytest.raises(SpeechUnavailable, match="took longer than 0.5 s"):
        voice.synthesize("Xin chào")
    left = subprocess.run(["pgrep", "-f", "^sleep 61.7$"], capture_output=True, text=True).stdout.split()
    assert left == []


def test_blank_text_is_the_callers_to_refuse():
    assert for_listening("🔔 *** !!!") == ""
    with pytest.raises(ValueError, match="Nothing to say"):
        speech.voice({}).synthesize(for_listening("🔔 *** !!!"))


def test_a_failing_or_garbled_voice_is_unavailable():
    with pytest.raises(SpeechUnavailable, match=r"sh failed \(exit 3\): no model loaded"):
        CommandVoice(["sh", "-c", "echo 'no model loaded' >&2; exit 3"]).synthesize("Xin chào")
    with pytest.raises(SpeechUnavailable, match="did not write WAV"):
        CommandVoice(["cat"]).synthesize("Xin chào")
    with pytest.raises(SpeechUnavailable, match="ffmpeg failed"):
        speech.encode(b"not audio at all", "ogg")
