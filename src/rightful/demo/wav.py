"""Small, real WAV files (a short tone) standing in for voice recordings."""

from __future__ import annotations

import io
import math
import wave

RATE = 8000


def tone_wav(seed: int, duration_ms: int) -> bytes:
    """An 8 kHz, 8-bit mono WAV of a tone whose pitch depends on `seed`; deterministic."""
    frequency = 220 + (seed * 37) % 660
    frames = bytearray()
    for i in range(RATE * duration_ms // 1000):
        envelope = min(1.0, i / 400, (RATE * duration_ms / 1000 - i) / 400)
        sample = math.sin(2 * math.pi * frequency * i / RATE) * envelope
        frames.append(128 + round(100 * sample))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return buffer.getvalue()
