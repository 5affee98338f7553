"""Seek previews (trickplay, as in Jellyfin 10.9): frames of a video every few seconds in JPEG sprite
sheets, and the WebVTT thumbnails track (`#xywh=` media fragments) that points into them.

The sheets live in object storage (trickplay/<uuid>/<n>.jpg); the track is written from the row's
numbers when asked, so it always names the current URLs.
"""

from __future__ import annotations

import io
import logging
import math
import uuid
from dataclasses import dataclass

import av
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image as PILImage

from core.exceptions import StorageUnavailable
from streaming import storage
from streaming.models import TrickplayTrack, VideoAsset

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layout:
    interval: float
    tile_width: int
    tile_height: int
    columns: int
    rows: int


def layout_for(*, duration: float, width: int, height: int) -> Layout:
    """Tiles of TRICKPLAY_TILE_WIDTH in TRICKPLAY_GRID squares; one every TRICKPLAY_INTERVAL seconds, or
    closer for short videos so that even a one-minute clip gets a couple of dozen previews."""
    interval = max(1.0, min(settings.TRICKPLAY_INTERVAL, duration / 24)) if duration else settings.TRICKPLAY_INTERVAL
    tile_width = settings.TRICKPLAY_TILE_WIDTH
    tile_height = max(2, round(tile_width * height / width / 2) * 2) if width and height else tile_width * 9 // 16
    grid = settings.TRICKPLAY_GRID
    return Layout(interval, tile_width, tile_height, grid, grid)


def extract_frames(path: str, *, layout: Layout, duration: float):
    """Yield one tile-sized PIL image per `layout.interval` seconds of the video file at `path`."""
    count = max(1, math.ceil(duration / layout.interval)) if duration else 1
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index in range(count):
            at = index * layout.interval
            if index and stream.time_base:
                container.seek(int(at / stream.time_base), stream=stream, backward=True)
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is None or frame.time >= at:
                    break
            if chosen is None:
                return
            yield chosen.to_image().convert("RGB").resize((layout.tile_width, layout.tile_height), PILImage.Resampling.BILINEAR)


def trickplay_generate(*, video: VideoAsset, path: str) -> TrickplayTrack | None:
    """Make the sprite sheets of the video file at `path` (the stored `video`) and record them; replaces
    the previous track. None when the video was replaced meanwhile."""
    layout = layout_for(duration=video.duration or 0, width=video.width or 0, height=video.height or 0)
    per_sheet = layout.columns * layout.rows
    prefix = f"trickplay/{uuid.uuid4().hex}"
    sheets: list[dict] = []
    frames = 0
    sheet = None
    try:
        for frame in extract_frames(path, layout=layout, duration=video.duration or 0):
            slot = frames % per_sheet
            if slot == 0:
                if sheet is not None:
                    sheets.append(_save_sheet(sheet, f"{prefix}/{len(sheets)}.jpg"))
                sheet = PILImage.new("RGB", (layout.tile_width * layout.columns, layout.tile_height * layout.rows))
            sheet.paste(frame, ((slot % layout.columns) * layout.tile_width, (slot // layout.columns) * layout.tile_height))
            frames += 1
        if sheet is not None:
            # The last sheet is cropped to the rows it uses.
            used_rows = math.ceil((frames - (len(sheets) * per_sheet)) / layout.columns)
            sheets.append(_save_sheet(sheet.crop((0, 0, sheet.width, used_rows * layout.tile_height)), f"{prefix}/{len(sheets)}.jpg"))
    except BaseException:
        _delete_quietly([s["key"] for s in sheets])
        raise
    if not frames:
        return None
    with transaction.atomic():
        current = VideoAsset.objects.select_for_update().filter(pk=video.pk, sha256=video.sha256).first()
        if current is None:
            transaction.on_commit(lambda: _delete_quietly([s["key"] for s in sheets]))
            return None
        previous = TrickplayTrack.objects.filter(video=current).first()
        if previous is not None:
            old_keys = [s["key"] for s in previous.sheets]
            previous.delete()
            transaction.on_commit(lambda: _delete_quietly(old_keys))
        track = TrickplayTrack.objects.create(
            video=current,
            video_sha256=current.sha256,
            interval=layout.interval,
            tile_width=layout.tile_width,
            tile_height=layout.tile_height,
            columns=layout.columns,
            rows=layout.rows,
            frame_count=frames,
            sheets=sheets,
        )
    logger.info("made %d seek previews in %d sheet(s) for movie %s", frames, len(sheets), video.movie_id)
    return track


def _save_sheet(sheet: PILImage.Image, key: str) -> dict:
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=75, optimize=True)
    stored = storage.save_object(key=key, content=ContentFile(buffer.getvalue(), name="sheet"), content_type="image/jpeg")
    return {"key": key, "size": stored.size}


def _timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def webvtt(track: TrickplayTrack, *, sheet_url, duration: float | None) -> str:
    """The WebVTT thumbnails track: one cue per frame, `sheet_url(n)#xywh=x,y,w,h`."""
    per_sheet = track.columns * track.rows
    end_of_video = duration if duration else track.frame_count * track.interval
    lines = ["WEBVTT", ""]
    for index in range(track.frame_count):
        start = index * track.interval
        end = min((index + 1) * track.interval, end_of_video) if index < track.frame_count - 1 else max(end_of_video, start + 0.001)
        slot = index % per_sheet
        x, y = (slot % track.columns) * track.tile_width, (slot // track.columns) * track.tile_height
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{sheet_url(index // per_sheet)}#xywh={x},{y},{track.tile_width},{track.tile_height}",
            "",
        ]
    return "\n".join(lines)


def trickplay_delete_objects(track: TrickplayTrack) -> None:
    _delete_quietly([s["key"] for s in track.sheets])


def _delete_quietly(keys: list[str]) -> None:
    for key in keys:
        try:
            storage.delete_object(key)
        except StorageUnavailable:
            logger.warning("could not delete the unused seek-preview object %s; delete it by hand", key)
