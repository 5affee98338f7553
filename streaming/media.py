"""What is inside a video file (PyAV probe), and the demo videos made locally for `generate_demo_videos`."""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
from PIL import Image, ImageDraw, ImageFont

# Container names as FFmpeg reports them -> what the browser is told, and the key's extension.
_CONTAINERS = {
    "mov": ("video/mp4", ".mp4"),
    "mp4": ("video/mp4", ".mp4"),
    "m4a": ("video/mp4", ".mp4"),
    "webm": ("video/webm", ".webm"),
    "matroska": ("video/x-matroska", ".mkv"),
    "ogg": ("video/ogg", ".ogv"),
}


class InvalidVideo(Exception):
    """The file is not a video we can serve."""


@dataclass(frozen=True)
class VideoInfo:
    content_type: str
    extension: str
    duration: float | None
    width: int
    height: int


def probe_video(file: BinaryIO) -> VideoInfo:
    """Read the container and the first video stream's format from `file` (position is restored to 0)."""
    file.seek(0)
    try:
        with av.open(file, mode="r") as container:
            names = container.format.name.split(",")
            known = next((_CONTAINERS[n] for n in names if n in _CONTAINERS), None)
            if known is None:
                raise InvalidVideo(f"Unsupported container {container.format.long_name!r}; upload MP4 or WebM.")
            if not container.streams.video:
                raise InvalidVideo("The file has no video stream.")
            stream = container.streams.video[0]
            duration = container.duration / av.time_base if container.duration else None
            if duration is None and stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            content_type, extension = known
            if names[0] == "matroska" and stream.codec_context.name in {"vp8", "vp9", "av1"}:
                content_type, extension = "video/webm", ".webm"
            return VideoInfo(content_type, extension, duration, stream.codec_context.width, stream.codec_context.height)
    except av.FFmpegError as exc:
        raise InvalidVideo("The file is not a readable video.") from exc
    finally:
        file.seek(0)


def _background(seed: str) -> tuple[int, int, int]:
    hue = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:2], "big") / 65535
    r, g, b = colorsys.hsv_to_rgb(hue, 0.55, 0.45)
    return int(r * 255), int(g * 255), int(b * 255)


def _wrap(text: str, *, width: int, font, draw: ImageDraw.ImageDraw) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines[:3] or [""]


def render_demo_video(
    path: Path, *, title: str, seconds: int = 30, width: int = 640, height: int = 360, fps: int = 15
) -> None:
    """Write an H.264 MP4 (moov atom first, a keyframe every second: seekable while it loads) showing
    `title` on a coloured background and a running clock."""
    title_font = ImageFont.load_default(size=max(height // 11, 12))
    clock_font = ImageFont.load_default(size=max(height // 7, 12))
    small_font = ImageFont.load_default(size=max(height // 20, 10))
    background = _background(title)
    base = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(base)
    lines = _wrap(title, width=int(width * 0.9), font=title_font, draw=draw)
    line_height = title_font.size * 1.25
    top = height * 0.33 - line_height * (len(lines) - 1) / 2
    for i, line in enumerate(lines):
        draw.text((width / 2, top + i * line_height), line, font=title_font, anchor="mm", fill="white")
    draw.text((width / 2, height - small_font.size), "demo video", font=small_font, anchor="mm", fill=(220, 220, 220))

    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "28", "g": str(fps), "keyint_min": str(fps)}
        for index in range(seconds * fps):
            frame_image = base.copy()
            frame_draw = ImageDraw.Draw(frame_image)
            elapsed = index / fps
            frame_draw.text(
                (width / 2, height * 0.68),
                f"{int(elapsed // 60):02d}:{int(elapsed % 60):02d}.{int(elapsed * 10) % 10}",
                font=clock_font,
                anchor="mm",
                fill="white",
            )
            # A bar that crosses the screen once per video: seeking shows at a glance where you are.
            bar = int(width * (index + 1) / (seconds * fps))
            frame_draw.rectangle((0, height - 6, bar, height), fill=(255, 255, 255))
            for packet in stream.encode(av.VideoFrame.from_image(frame_image)):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
