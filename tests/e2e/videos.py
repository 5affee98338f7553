"""A long, heavy test video for the seek test, stored through the streaming service.

The demo videos are ~100 KB, which Chromium reads whole in its first request, so a seek never needs
the network. This one is 30 s of noise (x264 lossless, ~16 MB, made in under a second): more than
the browser buffers ahead, so seeking near its end must ask the server for a byte range.

Run in the backend's environment: `python -c "import django; django.setup(); from tests.e2e.videos import main; main()"`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import av

SECONDS = 30
FPS = 5
WIDTH, HEIGHT = 320, 180


def render_noise_video(path: Path, *, seconds: int = SECONDS) -> None:
    """An MP4 (moov first, a keyframe every second) whose frames are random pixels."""
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "0", "g": str(FPS)}
        for _ in range(seconds * FPS):
            frame = av.VideoFrame(WIDTH, HEIGHT, "rgb24")
            frame.planes[0].update(os.urandom(frame.planes[0].buffer_size))
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)


def main() -> None:
    """Gives the last movie without a video the long one; prints that movie's id."""
    from django.core.files import File

    from catalog.models import Movie
    from streaming.services import video_asset_store

    movie = Movie.objects.filter(video__isnull=True).order_by("-id").first()
    with tempfile.TemporaryDirectory(prefix="e2e-video-") as workdir:
        path = Path(workdir) / "long.mp4"
        render_noise_video(path)
        with path.open("rb") as handle:
            video_asset_store(movie=movie, file=File(handle, name="long.mp4"))
    print(movie.pk)
