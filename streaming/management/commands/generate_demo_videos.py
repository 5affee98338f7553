"""`manage.py generate_demo_videos`: give every movie without a video a short demo video, made locally."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Movie
from core.exceptions import DomainError
from streaming.media import render_demo_video
from streaming.models import VideoAsset
from streaming.services import video_asset_store
from streaming.tasks import derive_video_media


class Command(BaseCommand):
    help = (
        "Render a short playable, seekable MP4 (title on a coloured background, a running clock) for every "
        "movie that has no video, and store it as that movie's video. Movies with a video are left alone, "
        "so running it again is quick. Each stored video gets a poster from one of its frames (unless the "
        "movie has one) and seek previews, by a task (at once in the embedded mode, where Celery is eager)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=24, help="Length of each video (default 24).")
        parser.add_argument("--width", type=int, default=480, help="Frame width in pixels (default 480).")
        parser.add_argument("--height", type=int, default=270, help="Frame height in pixels (default 270).")
        parser.add_argument("--limit", type=int, default=None, help="At most this many movies (default: all).")
        parser.add_argument(
            "--missing-media",
            action="store_true",
            help="Also derive the poster and seek previews of existing videos that have no seek previews yet.",
        )

    def handle(self, *args, seconds: int, width: int, height: int, limit: int | None, missing_media: bool = False, **options):
        if seconds < 1 or width < 32 or height < 32 or width % 2 or height % 2:
            raise CommandError("--seconds must be at least 1; --width and --height even and at least 32.")
        movies = Movie.objects.filter(video__isnull=True).order_by("id")
        if limit is not None:
            movies = movies[:limit]
        started = time.monotonic()
        created = 0
        with tempfile.TemporaryDirectory(prefix="demo-videos-") as workdir:
            for movie in list(movies):
                path = Path(workdir) / f"{movie.pk}.mp4"
                render_demo_video(path, title=movie.title, seconds=seconds, width=width, height=height)
                try:
                    with path.open("rb") as handle:
                        video_asset_store(movie=movie, file=File(handle, name=f"demo-{movie.pk}.mp4"))
                except DomainError as exc:
                    raise CommandError(f"movie {movie.pk}: {exc.message}") from None
                path.unlink()
                created += 1
        if missing_media:
            # Videos stored before seek previews existed (or while no worker ran) get them now.
            behind = VideoAsset.objects.filter(trickplay__isnull=True).order_by("id")
            for asset in behind[:limit] if limit is not None else behind:
                derive_video_media.delay(asset.pk, asset.sha256)
        self.stdout.write(
            f"generate_demo_videos: {created} video(s) created in {time.monotonic() - started:.1f}s; "
            f"{Movie.objects.filter(video__isnull=False).count()} movie(s) have a video."
        )
