"""The demo catalog of `make run`: the repo's demo files loaded through the real pipeline.

CMS documents are copied into the CMS bucket (unchanged objects are skipped), the partner feed is run
through etl_run(), and a few editor overrides are written once, so the demo shows all three sources.
The demo's genres get their Russian names first (the feed names them in English; unknown ones would be
created with that name only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from catalog.models import Genre, Movie
from core.storage import ObjectLocation, ensure_bucket
from etl.exceptions import FeedError
from etl.models import ETLRun
from etl.services import etl_run
from etl.sources import CMS_PREFIX, default_cms_source, put_object_if_changed
from overrides.models import DescriptionOverride
from overrides.services import override_create

DEMO_DIR = Path(settings.BASE_DIR) / "demo"

# Partner movie id -> the editor's text per language (written only when the demo has no override yet).
DEMO_OVERRIDES = {
    2: {
        "en": "Editor's pick: a quiet, patient film that rewards a second viewing. (This text is an editor's override.)",
        "ru": "Выбор редакции: тихий и терпеливый фильм, который стоит пересмотреть. (Это описание редактора.)",
    },
    25: {
        "en": "Our editors' note: the best ensemble cast of the season. (This text is an editor's override.)",
        "ru": "Заметка редакции: лучший актёрский ансамбль сезона. (Это описание редактора.)",
    },
}


# The demo feed's genres: slug -> (English, Russian).
DEMO_GENRES = {
    "drama": ("Drama", "Драма"), "comedy": ("Comedy", "Комедия"), "thriller": ("Thriller", "Триллер"),
    "mystery": ("Mystery", "Детектив"), "romance": ("Romance", "Мелодрама"), "adventure": ("Adventure", "Приключения"),
    "science-fiction": ("Science fiction", "Фантастика"), "family": ("Family", "Семейный"),
    "history": ("History", "Исторический"), "crime": ("Crime", "Криминал"),
}


@dataclass
class DemoResult:
    documents_written: int
    documents_total: int
    run: ETLRun
    overrides_written: int


def demo_load(*, demo_dir: Path = DEMO_DIR, author=None) -> DemoResult:
    feed = demo_dir / "partner_movies.json"
    if not feed.is_file():
        raise FeedError(f"{feed}: the demo partner feed is missing")
    written, total = demo_cms_publish(cms_dir=demo_dir / "cms")
    for slug, (name_en, name_ru) in DEMO_GENRES.items():
        Genre.objects.get_or_create(slug=slug, defaults={"name_en": name_en, "name_ru": name_ru})
    run = etl_run(
        partner_source=str(feed.resolve()), cms_source=default_cms_source(), triggered_by="demo"
    )
    return DemoResult(written, total, run, demo_overrides_write(author=author))


# What the demo copies into the CMS bucket: the documents and the images they name.
DEMO_CMS_TYPES = {".json": "application/json", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                  ".webp": "image/webp"}


def demo_cms_publish(*, cms_dir: Path) -> tuple[int, int]:
    """Copy <cms_dir>/<movie_id>/<language>.json and the images beside them into the CMS bucket; returns
    (written, total) documents and images."""
    ensure_bucket(settings.S3_CMS_BUCKET)
    written = total = 0
    for path in sorted(cms_dir.glob("*/*")):
        content_type = DEMO_CMS_TYPES.get(path.suffix.lower())
        if content_type is None or not path.is_file():
            continue
        relative = path.relative_to(cms_dir).as_posix()
        location = ObjectLocation(settings.S3_CMS_BUCKET, f"{CMS_PREFIX}/{relative}")
        written += put_object_if_changed(location, path.read_bytes(), content_type=content_type)
        total += 1
    return written, total


def demo_overrides_write(*, author) -> int:
    if DescriptionOverride.objects.exists():
        return 0
    written = 0
    for movie in Movie.objects.filter(external_id__in=DEMO_OVERRIDES):
        texts = DEMO_OVERRIDES[movie.external_id]
        override_create(movie=movie, language=movie.language, text=texts.get(movie.language, texts["en"]), author=author)
        written += 1
    return written
