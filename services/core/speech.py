"""Text to speech, offline: a `Voice` turns text into WAV, `encode` makes it Ogg/Opus or MP3.

espeak-ng's Vietnamese voice is the default (a Debian package, always at hand); any command that reads
text on stdin and writes WAV on stdout can replace it by configuration alone (`TTS_COMMAND`), e.g. Piper
with a vi_VN model: `piper --model /srv/voices/vi_VN-vais1000-medium.onnx --output_file -`.
Every program runs as a subprocess with a timeout and the text on stdin, never on its command line.
"""

import os
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from typing import Literal, Protocol

from services.core.errors import Unavailable

Format = Literal["ogg", "mp3"]
MEDIA_TYPES: dict[str, str] = {"ogg": "audio/ogg", "mp3": "audio/mpeg"}
# Opus in Ogg at 32 kb/s is clear speech for the app's players; MP3 at 64 kb/s for the radio systems and
# old players that know no Opus. Both mono.
_CODECS: dict[str, list[str]] = {
    "ogg": ["-c:a", "libopus", "-b:a", "32k", "-application", "voip", "-ar", "48000", "-f", "ogg"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-ar", "44100", "-f", "mp3"],
}
# EBU R128 loudness for speech (-16 LUFS, true peak -1.5 dB): every bulletin as loud as the next.
_LOUDNORM = "loudnorm=I=-16:TP=-1.5:LRA=11"


class SpeechUnavailable(Unavailable):
    """The speech or audio program is missing, failed or took too long; the text is still there."""

    code = "speech_unavailable"
    title = "Speech synthesis unavailable"

    def __init__(self, detail: str):
        super().__init__(detail, retry_after=timedelta(minutes=5))


class Voice(Protocol):
    def synthesize(self, text: str) -> bytes:
        """WAV (PCM) of `text` spoken. Blank text is the caller's to refuse (for_listening() answers ""
        for text with nothing to say): a ValueError here."""
        ...


class CommandVoice:
    """Any program that reads text on stdin and writes WAV on stdout."""

    def __init__(self, command: list[str] | str, *, timeout: float = 60):
        self.command = shlex.split(command) if isinstance(command, str) else list(command)
        self.timeout = timeout

    def synthesize(self, text: str) -> bytes:
        if not text.strip():
            raise ValueError("Nothing to say: the text is blank.")
        wav = run(self.command, text.encode(), self.timeout)
        if not wav.startswith(b"RIFF"):
            raise SpeechUnavailable(f"{self.command[0]} did not write WAV audio.")
        return wav


class EspeakVoice(CommandVoice):
    """espeak-ng (Debian's `espeak-ng`): `voice` vi is the northern voice (vi-vn-x-central and
    vi-vn-x-south the others), `speed` in words a minute (espeak's default is 175; slower suits
    loudspeakers and elderly listeners)."""

    def __init__(self, voice: str = "vi", speed: int = 150, *, timeout: float = 60):
        super().__init__(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout"], timeout=timeout)


def voice(config: Mapping) -> Voice:
    """The configured voice: TTS_COMMAND, or espeak-ng when it is empty; TTS_TIMEOUT seconds at most."""
    timeout = float(config.get("TTS_TIMEOUT", 60))
    command = config.get("TTS_COMMAND", "")
    return CommandVoice(command, timeout=timeout) if command else EspeakVoice(timeout=timeout)


def encode(wav: bytes, fmt: Format, *, timeout: float = 60) -> bytes:
    """`wav` loudness-normalised and compressed as Ogg/Opus or MP3."""
    return run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-af", _LOUDNORM, "-ac", "1"]
        + _CODECS[fmt]
        + ["pipe:1"],
        wav,
        timeout,
    )


def duration(audio: bytes, *, timeout: float = 30) -> float:
    """Seconds of `audio` (any format ffmpeg reads). ffprobe reads a file: from a pipe it cannot seek to
    an Ogg stream's end, and a WAV streamed by a voice carries no true length in its header."""
    with tempfile.NamedTemporaryFile(suffix=".audio") as file:
        file.write(audio)
        file.flush()
        report = run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file.name],
            b"",
            timeout,
        )
    try:
        return float(report.decode().strip())
    except ValueError:
        raise SpeechUnavailable("ffprobe could not tell the audio's length.") from None


def run(command: list[str], data: bytes, timeout: float) -> bytes:
    """`command`'s stdout for `data` on its stdin; SpeechUnavailable when it is missing, fails or hangs.
    The program runs in a session of its own, so a timeout ends whatever it started too (a wrapper
    script's children would otherwise keep the pipes open and the wait going)."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise SpeechUnavailable(f"{command[0]} is not installed (or not on PATH).") from None
    except OSError as error:
        raise SpeechUnavailable(f"{command[0]} could not run: {error.strerror}.") from None
    try:
        out, err = process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise SpeechUnavailable(f"{command[0]} took longer than {timeout:g} s.") from None
    if process.returncode != 0:
        said = err.decode(errors="replace").strip().splitlines()
        raise SpeechUnavailable(
            f"{command[0]} failed (exit {process.returncode}){': ' + said[-1] if said else ''}."
        )
    return out
