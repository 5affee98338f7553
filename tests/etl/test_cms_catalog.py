"""CMS documents with catalog facts (year, runtime, age rating, countries, genres, crew) and images (poster,
backdrop) named in the CMS bucket, against a real S3 API server: the CMS over the feed, the editor over both,
bad values, unsafe keys, missing objects, renditions, and the unchanged re-run that writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from catalog.models import Genre, Movie
from catalog.services import movie_save
from core.storage import s3_client
from etl.cleaning import clean_cms_document
from etl.exceptions import RecordRejected
from etl.models import CmsImage
from etl.services import etl_run
from people.models import Credit, Job
from streaming.images import image_delete, image_store
from streaming.models import Image, ImageSource
from tests.etl.records import actor, movie
from tests.etl.test_pipeline import writes
from tests.factories import GenreFactory
from tests.streaming.conftest import use_s3

pytestmark = pytest.mark.django_db

PARTNER_FACTS = {"year": 1972, "runtime": 167, "age_rating": "12+", "countries": ["RU"], "genres": ["Drama"],
                 "crew": [{"actor_id": 90, "full_name": "Andrei Tarkovsky", "job": "director"}]}
IMAGE_TABLES = ("streaming_image", "etl_cmsimage")
CATALOG_TABLES = ("catalog_movie", "people_person", "people_credit", "catalog_cmsdescription", "catalog_genre",
                  "catalog_movie_genres", *IMAGE_TABLES)


def picture(width=600, height=900, color="teal", fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def store(s3_store, settings, s3_endpoint):
    """CMS documents in a bucket of the real S3 server, and images stored in another bucket of it."""
    use_s3(settings, s3_endpoint)
    settings.IMAGE_WIDTHS = [160, 320]
    return s3_store


@pytest.fixture
def load(store, feed_file, django_capture_on_commit_callbacks):
    """load(feed records, **etl_run kwargs) -> ETLRun; the on-commit tasks (renditions) run as after a commit."""

    def run(records, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return etl_run(partner_source=feed_file(records), cms_source=store.cms_url, **kwargs)

    return run


def document(movie_id, language, description="Editorial.", **fields):
    return {"movie_id": movie_id, "language": language, "description": description, **fields}


def put_doc(store, movie_id, language, **fields):
    return store.put(f"cms/{movie_id}/{language}.json", document(movie_id, language, **fields))


def solaris(**extra):
    return movie(1, "Solaris", "ru", "Ocean.", [actor(11, "Donatas Banionis", "Kelvin")], **(PARTNER_FACTS | extra))


# --- catalog facts -------------------------------------------------------------------------------------------


def test_document_facts_win_over_the_feed(store, load):
    GenreFactory(slug="drama", name_en="Drama", name_ru="Драма")
    put_doc(store, 1, "ru", year="1973", runtime=160, age_rating="16+", countries=["su", "RU", "fr"],
            genres=["драма", "Space Opera"],
            crew=[{"actor_id": 91, "full_name": "Vadim Yusov", "job": "Producer"},
                  {"actor_id": 11, "full_name": "Donatas Banionis", "job": "writer"}])
    run = load([solaris()])
    assert run.status == "succeeded"
    m = Movie.objects.get(external_id=1)
    assert (m.year, m.runtime, m.age_rating, m.countries) == (1973, 160, "16+", ["RU", "FR"])
    assert sorted(m.genres.values_list("slug", flat=True)) == ["drama", "space-opera"]
    assert Genre.objects.get(slug="space-opera").name_en == "Space Opera"  # an unknown genre, with the CMS's name
    credits = sorted(Credit.objects.filter(movie=m).values_list("person__full_name", "job"))
    # the document's crew replaces the partner's (no director now); it has no actors, so the partner's cast stays
    assert credits == [("Donatas Banionis", Job.ACTOR), ("Donatas Banionis", Job.WRITER), ("Vadim Yusov", Job.PRODUCER)]
    assert [(r.outcome, r.reason) for r in run.records.all()] == [
        ("reported", "country 'SU' is not an ISO 3166-1 alpha-2 code; dropped")]


@pytest.mark.parametrize("absent", [
    {"year": None, "runtime": None, "age_rating": None, "countries": None, "genres": None, "crew": None,
     "actors": None, "poster": None, "backdrop": None},
    {},
])
def test_null_or_missing_fields_leave_the_feeds_values(store, load, absent):
    put_doc(store, 1, "ru", **absent)
    run = load([solaris()])
    assert run.status == "succeeded" and run.rejected == 0 and run.counts["cms"]["created"] == 1
    m = Movie.objects.get(external_id=1)
    assert (m.year, m.runtime, m.age_rating, m.countries) == (1972, 167, "12+", ["RU"])
    assert list(m.genres.values_list("slug", flat=True)) == ["drama"]
    assert sorted(Credit.objects.filter(movie=m).values_list("job", flat=True)) == [Job.ACTOR, Job.DIRECTOR]
    assert m.description == "Editorial." and not Image.objects.exists()


def test_empty_lists_in_a_document_clear_the_feeds_lists(store, load):
    put_doc(store, 1, "ru", countries=[], genres=[], crew=[])
    load([solaris()])
    m = Movie.objects.get(external_id=1)
    assert m.countries == [] and not m.genres.exists()
    assert list(Credit.objects.filter(movie=m).values_list("job", flat=True)) == [Job.ACTOR]


def test_the_own_language_document_wins_field_by_field(store, load):
    put_doc(store, 1, "en", year=1980, runtime=100, genres=["Comedy"])
    put_doc(store, 1, "ru", year=1975)  # the movie's own language: its year wins; the rest comes from "en"
    load([solaris()])
    m = Movie.objects.get(external_id=1)
    assert (m.year, m.runtime) == (1975, 100)
    assert list(m.genres.values_list("name_en", flat=True)) == ["Comedy"]


def test_a_catalog_movie_missing_from_the_feed_still_gets_its_documents_facts(store, load):
    load([solaris(), movie(2, "Stalker", "ru", "Zone.", year=1979)])
    put_doc(store, 2, "ru", year=1980, genres=["Drama"])
    run = load([solaris()])  # a partial feed: movie 2 is kept
    m = Movie.objects.get(external_id=2)
    assert m.year == 1980 and list(m.genres.values_list("slug", flat=True)) == ["drama"]
    assert run.counts["movies"]["updated"] == 1 and run.counts["movies"]["missing"] == 1
    before = writes(CATALOG_TABLES)
    assert load([solaris()]).counts["movies"]["updated"] == 0
    assert writes(CATALOG_TABLES) == before


@pytest.mark.parametrize("fields,reason", [
    ({"year": "nineteen"}, "year must be a whole number"),
    ({"runtime": 1.5}, "runtime must be a whole number"),
    ({"age_rating": ["12+"]}, "age_rating must be a string"),
    ({"countries": "RU"}, "countries must be a list"),
    ({"genres": "Drama"}, "genres must be a list"),
    ({"genres": [" "]}, "genres[0] must be a non-blank name"),
    ({"crew": [{"actor_id": "x", "full_name": "A", "job": "director"}]}, "crew[0]: actor_id must be an integer"),
    ({"crew": [{"actor_id": 5, "full_name": "A", "job": "grip"}]}, "crew[0]: job must be one of"),
])
def test_a_wrong_type_rejects_the_document_with_its_reason(store, load, fields, reason):
    put_doc(store, 1, "ru", **fields)
    run = load([solaris()])
    [record] = run.records.all()
    assert (record.source, record.record_id, record.outcome) == ("cms", "1", "rejected")
    assert record.reason.startswith(reason) and record.position.endswith("cms/1/ru.json")
    m = Movie.objects.get(external_id=1)  # the movie loads from the feed alone
    assert (m.year, m.source_used) == (1972, "partner")


@pytest.mark.parametrize("fields,warning,kept", [
    ({"year": 1500, "runtime": 90}, "year 1500 is outside 1870..2100; dropped", ("year", 1972)),
    ({"runtime": 0, "year": 1990}, "runtime 0 is outside 1..14400; dropped", ("runtime", 167)),
    ({"age_rating": "21+", "year": 1990}, "age_rating '21+' is not one of", ("age_rating", "12+")),
    ({"countries": ["XX"], "year": 1990}, "country 'XX' is not an ISO 3166-1 alpha-2 code", ("countries", ["RU"])),
])
def test_an_implausible_value_is_dropped_with_a_warning_and_the_feeds_value_stands(store, load, fields, warning, kept):
    put_doc(store, 1, "ru", **fields)
    run = load([solaris()])
    [record] = run.records.all()
    assert record.outcome == "reported" and record.reason.startswith(warning)
    m = Movie.objects.get(external_id=1)
    assert getattr(m, kept[0]) == kept[1]  # the dropped value: the partner's stands
    assert m.description == "Editorial." and (m.year == 1990 or m.runtime == 90)  # the rest of the document loads


def test_an_editors_pinned_fields_win_over_the_cms_and_the_feed(store, load):
    load([solaris()])
    m = Movie.objects.get(external_id=1)
    m.year, m.age_rating = 1971, "6+"
    movie_save(movie=m, changed_fields=["year", "age_rating"])
    m.genres.set([GenreFactory(slug="classic")])
    movie_save(movie=m, changed_fields=["genres"])
    put_doc(store, 1, "ru", year=1973, age_rating="18+", runtime=150, genres=["Comedy"])
    load([solaris()])
    m.refresh_from_db()
    assert (m.year, m.age_rating, m.runtime) == (1971, "6+", 150)
    assert list(m.genres.values_list("slug", flat=True)) == ["classic"]
    before = writes(CATALOG_TABLES)
    assert load([solaris()]).counts["movies"]["updated"] == 0
    assert writes(CATALOG_TABLES) == before
    movie_save(movie=m, released_fields=["year", "genres"])
    load([solaris()])
    m.refresh_from_db()
    assert (m.year, m.age_rating) == (1973, "6+")
    assert list(m.genres.values_list("name_en", flat=True)) == ["Comedy"]


# --- images ---------------------------------------------------------------------------------------------------


def stored_objects() -> set[str]:
    bucket = default_storage.bucket_name
    pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def test_a_poster_and_backdrop_named_in_a_document_are_attached_with_renditions(store, load):
    store.put("cms/1/poster.jpg", picture(fmt="JPEG"))
    store.put("cms/art/solaris-wide.png", picture(1200, 500, "navy"))
    put_doc(store, 1, "ru", poster="1/poster.jpg", backdrop="art/solaris-wide.png")
    run = load([solaris()])
    assert run.rejected == 0 and not run.records.exists()
    assert run.counts["images"] == {"created": 2, "updated": 0, "unchanged": 0}
    poster = Image.objects.get(movie__external_id=1, kind="poster")
    backdrop = Image.objects.get(movie__external_id=1, kind="backdrop")
    assert (poster.source, poster.content_type, poster.width, poster.height) == (ImageSource.CMS, "image/jpeg", 600, 900)
    assert (backdrop.content_type, backdrop.width) == ("image/png", 1200)
    assert poster.key.startswith("images/poster/") and "cms" not in poster.key  # a key the server made
    assert [r["width"] for r in poster.renditions] == [160, 320]
    objects = stored_objects()
    assert {poster.key, backdrop.key, *(r["key"] for r in poster.renditions + backdrop.renditions)} <= objects
    assert poster.cms_origin.source_url == f"s3://{store.bucket}/cms/1/poster.jpg"


def test_an_unchanged_rerun_with_images_writes_and_imports_nothing(store, load):
    store.put("cms/1/poster.png", picture())
    put_doc(store, 1, "ru", year=1973, genres=["Drama", "Noir"], poster="1/poster.png",
            crew=[{"actor_id": 91, "full_name": "Vadim Yusov", "job": "producer"}])
    load([solaris()])
    objects, before = stored_objects(), writes(CATALOG_TABLES)
    again = load([solaris()])
    assert writes(CATALOG_TABLES) == before and stored_objects() == objects
    assert (again.created, again.updated) == (0, 0)
    assert again.counts["images"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert again.counts["movies"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_changed_object_replaces_the_poster_and_a_document_without_one_removes_it(store, load):
    store.put("cms/1/poster.png", picture(color="red"))
    put_doc(store, 1, "ru", poster="1/poster.png")
    load([solaris()])
    first = Image.objects.get(movie__external_id=1, kind="poster")
    store.put("cms/1/poster.png", picture(color="blue"))  # rewritten in place: a new ETag, a new picture
    run = load([solaris()])
    assert run.counts["images"]["updated"] == 1
    second = Image.objects.get(movie__external_id=1, kind="poster")
    assert second.sha256 != first.sha256 and first.key not in stored_objects()
    store.put("cms/1/poster.png", picture(color="blue"))  # same bytes again: nothing imported
    assert load([solaris()]).counts["images"]["updated"] == 0
    put_doc(store, 1, "ru", poster=None)
    run = load([solaris()])
    assert run.counts["images"]["deleted"] == 1 and not Image.objects.exists() and not CmsImage.objects.exists()
    assert second.key not in stored_objects()


def test_the_same_picture_under_a_new_key_is_not_imported_again(store, load):
    store.put("cms/1/poster.png", picture())
    put_doc(store, 1, "ru", poster="1/poster.png")
    load([solaris()])
    image = Image.objects.get()
    store.put("cms/posters/solaris.png", picture())  # moved: read once, recognised by its SHA-256
    put_doc(store, 1, "ru", poster="posters/solaris.png")
    objects = stored_objects()
    run = load([solaris()])
    assert run.counts["images"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert Image.objects.get().pk == image.pk and stored_objects() == objects
    assert CmsImage.objects.get().source_url == f"s3://{store.bucket}/cms/posters/solaris.png"


@pytest.mark.parametrize("key", [
    "../secret.png", "1/../../secret.png", "/etc/poster.png", "s3://other-bucket/poster.png", "cms/../x.png",
    "1/.hidden.png", "1\\poster.png", "1//poster.png", "1/poster.png\x00.txt", "1/poster.json", 42,
])
def test_an_unsafe_image_key_is_refused_with_a_warning(store, load, key):
    s3_client().put_object(Bucket=store.bucket, Key="secret.png", Body=picture())  # outside the prefix
    store.put("cms/1/poster.png", picture())
    put_doc(store, 1, "ru", poster=key)
    run = load([solaris()])
    [record] = run.records.all()
    assert record.outcome == "reported" and record.reason.startswith("poster ")
    assert record.reason.endswith("ignored")
    m = Movie.objects.get(external_id=1)
    assert m.description == "Editorial." and not Image.objects.exists()


def test_another_buckets_object_is_never_read(store, load):
    other = "etl-other-bucket"
    s3_client().create_bucket(Bucket=other)
    s3_client().put_object(Bucket=other, Key="poster.png", Body=picture())
    put_doc(store, 1, "ru", poster=f"{other}/poster.png")  # a plain key: looked for inside the CMS prefix only
    run = load([solaris()])
    [record] = run.records.all()
    assert record.reason == (f"poster s3://{store.bucket}/cms/{other}/poster.png: no such object; "
                             "the movie keeps its current poster")
    assert not Image.objects.exists()


@pytest.mark.parametrize("body,reason", [
    (None, "no such object"),
    (b"<html>not a picture</html>", "refused: the file is not a readable image"),
    (picture(fmt="GIF"), "refused: upload a jpeg, png or webp image"),
])
def test_a_missing_or_bad_image_is_a_warning_and_the_movie_loads(store, load, body, reason):
    if body is not None:
        store.put("cms/1/poster.png", body)
    put_doc(store, 1, "ru", year=1973, poster="1/poster.png")
    run = load([solaris()])
    assert run.status == "succeeded" and run.rejected == 0
    [record] = run.records.all()
    assert record.outcome == "reported" and reason in record.reason.lower()
    assert Movie.objects.get(external_id=1).year == 1973 and not Image.objects.exists()


def test_a_too_large_object_is_refused_before_it_is_read(store, load, settings):
    settings.IMAGE_MAX_BYTES = 1000
    store.put("cms/1/poster.png", picture())
    put_doc(store, 1, "ru", poster="1/poster.png")
    run = load([solaris()])
    assert "larger than" in run.records.get().reason and not Image.objects.exists()


def test_an_editors_poster_wins_until_the_editor_removes_it(store, load, django_capture_on_commit_callbacks):
    load([solaris()])
    m = Movie.objects.get(external_id=1)
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = image_store(kind="poster", data=picture(color="yellow"), movie=m)
    store.put("cms/1/poster.png", picture())
    put_doc(store, 1, "ru", poster="1/poster.png")
    before = writes(IMAGE_TABLES)
    run = load([solaris()])
    assert writes(IMAGE_TABLES) == before and run.counts["images"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert Image.objects.get(movie=m, kind="poster").pk == uploaded.pk
    with django_capture_on_commit_callbacks(execute=True):
        image_delete(image=uploaded)  # the editor gives the poster back to the CMS
    assert load([solaris()]).counts["images"]["created"] == 1
    assert Image.objects.get(movie=m, kind="poster").source == ImageSource.CMS


def test_a_cms_poster_replaces_one_taken_from_the_video(store, load):
    load([solaris()])
    m = Movie.objects.get(external_id=1)
    image_store(kind="poster", data=picture(color="gray"), movie=m, source=ImageSource.VIDEO_FRAME)
    store.put("cms/1/poster.png", picture())
    put_doc(store, 1, "ru", poster="1/poster.png")
    assert load([solaris()]).counts["images"]["updated"] == 1
    assert Image.objects.get(movie=m, kind="poster").source == ImageSource.CMS


def test_the_own_language_documents_poster_wins(store, load):
    store.put("cms/1/en.png", picture(color="red"))
    store.put("cms/1/ru.png", picture(color="green"))
    put_doc(store, 1, "en", poster="1/en.png")
    put_doc(store, 1, "ru", poster="1/ru.png")
    load([solaris()])
    assert Image.objects.get().cms_origin.source_url.endswith("cms/1/ru.png")


def test_a_dry_run_checks_images_and_stores_nothing(store, load):
    store.put("cms/1/poster.png", picture())
    put_doc(store, 1, "ru", poster="1/poster.png")
    objects = stored_objects()
    run = load([solaris()], dry_run=True)
    assert run.counts["images"]["created"] == 1
    assert not Image.objects.exists() and stored_objects() == objects


# --- cleaning ---------------------------------------------------------------------------------------------------


def test_cleaning_a_document_with_every_new_field():
    doc = clean_cms_document(
        document(5, "en", year="2001", runtime=" 95 ", age_rating=16, countries=["us", "US", "ZZ"], genres=["Drama", "drama"],
                 crew=[{"actor_id": "7", "full_name": "<b>Ann</b> Lee", "job": " Director "}], poster="5/p.webp",
                 backdrop="../b.png"),
        movie_id=5, language="en",
    )
    assert (doc.year, doc.runtime, doc.age_rating, doc.countries) == (2001, 95, "16+", ("US",))
    assert [g.name for g in doc.genres] == ["Drama"]
    assert [(c.actor_id, c.full_name, c.job) for c in doc.crew] == [(7, "Ann Lee", "director")]
    assert (doc.poster, doc.backdrop) == ("5/p.webp", None)
    assert [w.split(" ")[0] for w in doc.warnings] == ["country", "backdrop"]
    bare = clean_cms_document(document(5, "en"), movie_id=5, language="en")
    assert (bare.year, bare.age_rating, bare.countries, bare.genres, bare.crew, bare.poster) == (None,) * 6
    with pytest.raises(RecordRejected, match="year must be a whole number"):
        clean_cms_document(document(5, "en", year=True), movie_id=5, language="en")


# --- the embedded mode (local object directory) and the demo -----------------------------------------------------


def test_the_demo_documents_carry_facts_and_a_poster_in_the_embedded_mode(local_store, settings, tmp_path,
                                                                         django_capture_on_commit_callbacks):
    from etl.demo import DEMO_DIR, demo_load
    from tests.streaming.conftest import use_filesystem

    use_filesystem(settings, tmp_path / "media")
    settings.IMAGE_WIDTHS = [160]
    with django_capture_on_commit_callbacks(execute=True):
        first = demo_load(demo_dir=DEMO_DIR).run
    assert first.counts["images"]["created"] == 1
    assert not [r.reason for r in first.records.all() if r.source == "cms"]  # the demo's documents are clean
    cartographer = Movie.objects.get(external_id=9)
    assert (cartographer.age_rating, cartographer.countries) == ("12+", ["GB"])
    assert sorted(cartographer.genres.values_list("slug", flat=True)) == ["drama", "history", "mystery"]
    poster = Image.objects.get(movie=cartographer, kind="poster")
    assert poster.source == ImageSource.CMS and [r["width"] for r in poster.renditions] == [160]
    assert default_storage.exists(poster.key) and default_storage.exists(poster.renditions[0]["key"])
    assert Movie.objects.get(external_id=13).year == 2017  # from the "ru" document: the "en" one has no year
    assert Credit.objects.filter(movie__external_id=5, job=Job.COMPOSER, person__full_name="Nadia Kersh").exists()
    before = writes(CATALOG_TABLES)
    with django_capture_on_commit_callbacks(execute=True):
        second = demo_load(demo_dir=DEMO_DIR).run
    assert writes(CATALOG_TABLES) == before and (second.created, second.updated) == (0, 0)
    assert second.counts["images"] == {"created": 0, "updated": 0, "unchanged": 1}
