"""The pipeline on real PostgreSQL (CMS documents in the local object store): rules, idempotency, bad input."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection

from catalog.models import CmsDescription, Movie
from etl.exceptions import FeedError, StrictModeRejection
from etl.models import ETLRun
from etl.services import etl_run
from overrides.selectors import resolve_description
from overrides.services import override_create
from people.models import Credit, Person
from tests.etl.records import actor, movie

pytestmark = pytest.mark.django_db

FEED = [
    movie(1, "Solaris", "ru", "<p>Партнёр&nbsp;<b>текст</b></p>", [actor(11, "Donatas Banionis", "Kelvin", "1924-04-28"),
                                                                   actor(12, "Natalya Bondarchuk", "Hari")]),
    movie("2", "  Stalker  ", "ru", "Zone.", [actor("11", "Donatas Banionis", "Writer"), actor(13, "Anatoly Solonitsyn", "Writer")]),
    movie(3, "Mirror", "en", "Memory.", [actor(13, "Anatoly Solonitsyn", "Doctor")]),
]


def run(path, store=None, **kwargs):
    return etl_run(partner_source=path, cms_source=store.cms_url if store else None, **kwargs)


def writes(tables=("catalog_movie", "people_person", "people_credit", "catalog_cmsdescription",
                   "overrides_descriptionoverride")) -> int:
    """Rows inserted, updated or deleted in these tables so far in this transaction (PostgreSQL's own counters)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables WHERE relname = ANY(%s)",
            [list(tables)],
        )
        return cursor.fetchone()[0]


def assert_descriptions_follow_the_rule():
    for m in Movie.objects.prefetch_related("overrides", "cms_descriptions"):
        assert (m.description, m.source_used) == resolve_description(m, m.language), m.external_id


def test_first_load_cleans_and_links_everything(feed_file, local_store):
    result = run(feed_file(FEED))
    assert result.status == "succeeded" and result.rejected == 0
    assert result.counts["movies"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert result.counts["people"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert result.counts["credits"]["created"] == 5
    solaris = Movie.objects.get(external_id=1)
    assert (solaris.title, solaris.language, solaris.partner_description) == ("Solaris", "ru", "Партнёр текст")
    assert (solaris.description, solaris.source_used) == ("Партнёр текст", "partner")
    assert Movie.objects.get(external_id=2).title == "Stalker"
    # The same actor in two movies (once with the id as a string) is one person.
    banionis = Person.objects.get(external_id=11)
    assert banionis.birth_date == datetime.date(1924, 4, 28)
    assert sorted(banionis.credits.values_list("movie__external_id", "role_name")) == [(1, "Kelvin"), (2, "Writer")]
    assert list(Credit.objects.filter(movie=solaris).values_list("person__external_id", "billing_order")) == [(11, 0), (12, 1)]


def test_a_second_identical_run_reports_everything_unchanged_and_writes_nothing(feed_file, local_store):
    local_store.cms(1, "ru", "CMS text", actors=[actor(14, "Juri Jarvet", "Snaut")])
    path = feed_file(FEED)
    run(path, local_store)
    stamps = {m.pk: m.updated_at for m in Movie.objects.all()} | {f"p{p.pk}": p.updated_at for p in Person.objects.all()}
    before = writes()
    second = run(path, local_store)
    assert writes() == before
    assert (second.created, second.updated, second.rejected) == (0, 0, 0)
    assert second.counts["movies"] == {"created": 0, "updated": 0, "unchanged": 3, }
    assert second.counts["people"]["unchanged"] == 4 and second.counts["credits"]["unchanged"] == 4
    assert second.counts["cms"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert stamps == {m.pk: m.updated_at for m in Movie.objects.all()} | {f"p{p.pk}": p.updated_at for p in Person.objects.all()}


def test_only_changed_rows_are_updated_and_dropped_credits_are_removed(feed_file, local_store):
    run(feed_file(FEED))
    untouched = Movie.objects.get(external_id=3).updated_at
    changed = [dict(record) for record in FEED]
    changed[0] = movie(1, "Solaris (1972)", "ru", "Партнёр текст", [actor(12, "Natalya Bondarchuk", "Hari")])
    changed[1] = movie(2, "Stalker", "ru", "Zone.", [actor(13, "Anatoly Solonitsyn", "Writer"), actor(11, "Donatas Banionis", "Writer")])
    result = run(feed_file(changed))
    assert result.counts["movies"] == {"created": 0, "updated": 2, "unchanged": 1}
    assert result.counts["credits"] == {"created": 0, "updated": 3, "unchanged": 1, "deleted": 1}
    assert Movie.objects.get(external_id=1).title == "Solaris (1972)"
    assert not Credit.objects.filter(movie__external_id=1, person__external_id=11).exists()
    assert list(Credit.objects.filter(movie__external_id=2).values_list("person__external_id", flat=True)) == [13, 11]
    assert Movie.objects.get(external_id=3).updated_at == untouched
    # The person who lost a credit is still there (other movies may need them).
    assert Person.objects.filter(external_id=11).exists()


def test_credits_of_people_created_by_editors_are_kept(feed_file, local_store):
    run(feed_file(FEED))
    local = Person.objects.create(full_name="Added by an editor")
    Credit.objects.create(movie=Movie.objects.get(external_id=1), person=local, role_name="Cameo", billing_order=9)
    result = run(feed_file(FEED))
    assert Credit.objects.filter(person=local).exists()
    assert result.counts["credits"] == {"created": 0, "updated": 0, "unchanged": 5}


def test_a_record_without_an_actor_list_keeps_its_credits_and_an_empty_list_clears_them(feed_file, local_store):
    run(feed_file(FEED))
    no_list = {k: v for k, v in FEED[0].items() if k != "actors"}
    run(feed_file([no_list, {**FEED[1], "actors": []}, FEED[2]]))
    assert Credit.objects.filter(movie__external_id=1).count() == 2
    assert Credit.objects.filter(movie__external_id=2).count() == 0


def test_movies_missing_from_a_partial_feed_are_kept_and_counted(feed_file, local_store):
    run(feed_file(FEED))
    result = run(feed_file(FEED[:1]))
    assert result.counts["movies"]["missing"] == 2
    assert Movie.objects.count() == 3 and Credit.objects.filter(movie__external_id=3).exists()


def test_conflicting_person_data_is_reported_and_the_last_mention_wins(feed_file, local_store):
    feed = [
        movie(1, "A", "en", "", [actor(7, "Jon Smith", "X", "1950-01-01")]),
        movie(2, "B", "en", "", [actor(7, "John Smith", "Y")]),
    ]
    result = run(feed_file(feed))
    person = Person.objects.get(external_id=7)
    assert (person.full_name, person.birth_date) == ("John Smith", datetime.date(1950, 1, 1))
    record = result.records.get()
    assert (record.outcome, record.record_id) == ("reported", "7")
    assert "'John Smith' / 'Jon Smith'" in record.reason
    assert result.rejected == 0 and Person.objects.count() == 1


def test_a_birth_date_is_not_cleared_by_a_feed_without_one(feed_file, local_store):
    run(feed_file([movie(1, "A", "en", "", [actor(7, "Ann", "X", "1980-05-05")])]))
    result = run(feed_file([movie(1, "A", "en", "", [actor(7, "Ann", "X")])]))
    assert Person.objects.get(external_id=7).birth_date == datetime.date(1980, 5, 5)
    assert result.counts["people"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_repeated_movie_ids_keep_the_first_record_and_reject_the_rest(feed_file, local_store):
    result = run(feed_file([movie(5, "First", actors=[actor(1, "A")]), movie("5", "Second", actors=[actor(2, "B")]), movie(6, "Other")]))
    assert Movie.objects.get(external_id=5).title == "First"
    assert list(Credit.objects.filter(movie__external_id=5).values_list("person__full_name", flat=True)) == ["A"]
    record = result.records.get()
    assert (record.record_id, record.position, record.outcome) == ("5", "record 2", "rejected")
    assert "repeats record 1" in record.reason and result.rejected == 1


def test_bad_records_are_rejected_with_id_and_reason_and_the_rest_loads(feed_file, local_store):
    feed = [
        movie(1, "Good"),
        movie("abc", "Bad id"),
        movie(2, "   "),
        {"movie_id": 3, "title": "No language"},
        movie(4, "T" * 300),
        "just a string",
        movie(5, "Bad actor", actors=[actor("x", "Someone")]),
        movie(6, "Good too"),
    ]
    result = run(feed_file(feed))
    assert sorted(Movie.objects.values_list("external_id", flat=True)) == [1, 6]
    assert result.rejected == 6
    reasons = {r.position: (r.record_id, r.reason) for r in result.records.all()}
    assert reasons["record 2"] == ("abc", "movie_id must be an integer or a numeric string, got 'abc'")
    assert reasons["record 3"] == ("2", "title is blank")
    assert reasons["record 4"][1].startswith("language must be")
    assert reasons["record 5"] == ("4", "title is 300 characters long, the limit is 255")
    assert reasons["record 6"] == ("", "a movie must be a JSON object, got a string")
    assert reasons["record 7"][1].startswith("actors[0]: actor_id must be")


def test_merge_precedence_per_language(feed_file, local_store, editor):
    feed = [movie(1, "A", "en", "partner A"), movie(2, "B", "en", "partner B"), movie(3, "C", "ru", "partner C")]
    local_store.cms(1, "en", "cms A en")
    local_store.cms(1, "ru", "cms A ru")
    local_store.cms(2, "ru", "cms B ru")
    run(feed_file(feed), local_store)
    a, b, c = (Movie.objects.prefetch_related("overrides", "cms_descriptions").get(external_id=i) for i in (1, 2, 3))
    assert (a.description, a.source_used) == ("cms A en", "cms")
    assert (b.description, b.source_used) == ("partner B", "partner")
    assert resolve_description(b, "ru") == ("cms B ru", "cms")
    assert (c.description, c.source_used) == ("partner C", "partner")
    override_create(movie=a, language="en", text="editor A", author=editor)
    override_create(movie=b, language="ru", text="editor B ru", author=editor)
    local_store.cms(1, "en", "cms A en, revised")
    run(feed_file(feed), local_store)
    a.refresh_from_db()
    assert (a.description, a.source_used) == ("editor A", "override")
    assert CmsDescription.objects.get(movie=a, language="en").text == "cms A en, revised"
    b = Movie.objects.prefetch_related("overrides", "cms_descriptions").get(external_id=2)
    assert resolve_description(b, "ru") == ("editor B ru", "override") and b.source_used == "partner"
    assert_descriptions_follow_the_rule()


def test_the_etl_never_writes_overrides(feed_file, local_store, editor):
    local_store.cms(1, "en", "cms")
    path = feed_file([movie(1, "A", "en", "partner")])
    run(path, local_store)
    override = override_create(movie=Movie.objects.get(external_id=1), language="en", text="mine", author=editor)
    history = override.history.count()
    before = writes(("overrides_descriptionoverride", "overrides_historicaldescriptionoverride"))
    run(feed_file([movie(1, "A2", "en", "partner 2")]), local_store)
    assert writes(("overrides_descriptionoverride", "overrides_historicaldescriptionoverride")) == before
    override.refresh_from_db()
    assert (override.text, override.author, override.history.count()) == ("mine", editor, history)
    m = Movie.objects.get(external_id=1)
    assert (m.title, m.partner_description, m.description, m.source_used) == ("A2", "partner 2", "mine", "override")


def test_a_cms_actor_list_replaces_the_partners(feed_file, local_store):
    path = feed_file([movie(1, "A", "en", "p", [actor(1, "Partner One", "R1"), actor(2, "Partner Two", "R2")])])
    run(path, local_store)
    local_store.cms(1, "en", "cms", actors=[actor(2, "Partner Two", "R2 fixed"), actor(3, "Cms Three", "R3")])
    result = run(path, local_store)
    cast = list(Credit.objects.filter(movie__external_id=1).values_list("person__external_id", "role_name", "billing_order"))
    assert cast == [(2, "R2 fixed", 0), (3, "Cms Three" and "R3", 1)]
    assert result.counts["credits"] == {"created": 2, "updated": 0, "unchanged": 0, "deleted": 2}
    assert Person.objects.get(external_id=3).full_name == "Cms Three"
    # Unchanged on the next run, and back to the partner's cast once the document drops its list.
    assert run(path, local_store).counts["credits"] == {"created": 0, "updated": 0, "unchanged": 2}
    local_store.cms(1, "en", "cms")
    run(path, local_store)
    assert sorted(Credit.objects.filter(movie__external_id=1).values_list("person__external_id", flat=True)) == [1, 2]


def test_a_document_removed_from_the_cms_is_removed_and_the_partner_text_returns(feed_file, local_store):
    path = feed_file([movie(1, "A", "en", "partner")])
    local_store.cms(1, "en", "cms")
    run(path, local_store)
    assert Movie.objects.get(external_id=1).source_used == "cms"
    local_store.delete("cms/1/en.json")
    result = run(path, local_store)
    assert result.counts["cms"]["deleted"] == 1 and not CmsDescription.objects.exists()
    m = Movie.objects.get(external_id=1)
    assert (m.description, m.source_used) == ("partner", "partner")
    assert result.counts["movies"]["updated"] == 1


def test_without_cms_the_stored_documents_stay(feed_file, local_store):
    path = feed_file([movie(1, "A", "en", "partner")])
    local_store.cms(1, "en", "cms")
    run(path, local_store)
    local_store.delete("cms/1/en.json")
    run(path)  # --no-cms
    assert CmsDescription.objects.get().text == "cms"
    assert Movie.objects.get(external_id=1).source_used == "cms"


def test_bad_cms_documents_are_rejected_and_the_rest_loads(feed_file, local_store):
    local_store.cms(1, "en", "<p>good</p>")
    local_store.put("cms/1/ru.json", b"{not json")
    local_store.cms(99, "en", "no such movie")
    local_store.put("cms/notes.txt", b"hello")
    local_store.put("cms/2/en.json", {"movie_id": 3, "language": "en", "description": "wrong id"})
    result = run(feed_file([movie(1, "A", "en", "p"), movie(2, "B", "en", "p")]), local_store)
    assert list(CmsDescription.objects.values_list("movie__external_id", "language", "text")) == [(1, "en", "good")]
    reasons = {r.position.rsplit("/cms/", 1)[1]: r.reason for r in result.records.all()}
    assert reasons["1/ru.json"].startswith("malformed JSON")
    assert reasons["99/en.json"] == "movie 99 is neither in the catalog nor in the feed"
    assert reasons["notes.txt"] == "key does not match cms/<movie_id>/<language>.json"
    assert "does not match the key's movie id 2" in reasons["2/en.json"]
    assert result.rejected == 4 and result.status == "succeeded"


def test_dry_run_counts_everything_and_keeps_nothing(feed_file, local_store):
    local_store.cms(1, "en", "cms")
    result = run(feed_file([movie(1, "A", "en", "p", [actor(1, "X")]), movie("bad")]), local_store, dry_run=True)
    assert result.status == "succeeded" and result.dry_run
    assert result.counts["movies"]["created"] == 1 and result.counts["cms"]["created"] == 1 and result.rejected == 1
    assert not Movie.objects.exists() and not Person.objects.exists() and not CmsDescription.objects.exists()


def test_strict_mode_loads_nothing_when_a_record_is_rejected(feed_file, local_store):
    with pytest.raises(StrictModeRejection, match="1 record"):
        run(feed_file([movie(1, "A"), movie(2, "")]), strict=True)
    assert not Movie.objects.exists()
    failed = ETLRun.objects.get()
    assert failed.status == "failed" and failed.rejected == 1 and failed.records.get().reason == "title is blank"
    assert run(feed_file([movie(1, "A")]), strict=True).status == "succeeded"


@pytest.mark.parametrize(
    "content, message",
    [
        (b'[{"movie_id": 1, "title": "A", "language": "en"}, {"movie_id": 2,, }]', "malformed JSON after record 1"),
        (b'[{"movie_id": 1, "title": "A", "language": "en"}', "malformed JSON after record 1"),
        (b'{"movies": []}', "the feed's top level is an object, expected a list of movies"),
        (b'"hello"', "the feed's top level is a string"),
        (b"", "the feed is empty"),
        (b"  \n ", "the feed is empty"),
        (b"null", "the feed's top level is null"),
        (b"nope", "malformed JSON at the start"),
        (b"\xef\xbb\xbf{}", "the feed's top level is an object"),
        (b"\xff\xfe[1]", "malformed JSON"),
    ],
)
def test_a_feed_that_cannot_be_read_fails_the_run_and_leaves_the_catalog_as_it_was(feed_file, local_store, content, message):
    run(feed_file(FEED))
    before = sorted(Movie.objects.values_list("external_id", "title", "updated_at"))
    credits = Credit.objects.count()
    path = feed_file(content)
    with pytest.raises(FeedError, match=message) as raised:
        run(path, local_store)
    assert path in raised.value.message
    assert sorted(Movie.objects.values_list("external_id", "title", "updated_at")) == before
    assert Credit.objects.count() == credits
    failed = ETLRun.objects.order_by("-pk").first()
    assert failed.status == "failed" and message.split(" after")[0] in failed.error and failed.finished_at


def test_a_failure_half_way_rolls_back_everything_already_staged(feed_file, local_store, settings):
    run(feed_file(FEED))
    before = sorted(Movie.objects.values_list("external_id", "title", "updated_at"))
    settings.S3_CMS_BUCKET = "no-such-bucket"
    new = [movie(1, "Renamed"), movie(50, "New movie", actors=[actor(500, "New Person")])]
    with pytest.raises(FeedError, match="bucket 'no-such-bucket' does not exist"):
        etl_run(partner_source=feed_file(new), cms_source="s3://no-such-bucket/cms")
    assert sorted(Movie.objects.values_list("external_id", "title", "updated_at")) == before
    assert not Person.objects.filter(external_id=500).exists()


def test_a_feed_with_a_byte_order_mark_loads(feed_file, local_store):
    path = feed_file(b"\xef\xbb\xbf \n" + json.dumps([movie(1, "A")]).encode())
    assert run(path).counts["movies"]["created"] == 1


def test_a_missing_feed_file_is_a_clear_error(local_store, tmp_path):
    with pytest.raises(FeedError, match="no-such.json: no such file"):
        etl_run(partner_source=str(tmp_path / "no-such.json"))
    assert ETLRun.objects.get().status == "failed"


def test_keys_cannot_leave_the_bucket(local_store):
    with pytest.raises(FeedError, match="plain path inside the bucket"):
        etl_run(partner_source="s3://cms-test/../../etc/passwd")
    with pytest.raises(FeedError, match="not a valid bucket name"):
        etl_run(partner_source="s3://../x")


def test_after_every_run_stored_descriptions_follow_the_rule(feed_file, local_store, editor):
    feed = [movie(i, f"M{i}", "en" if i % 2 else "ru", f"partner {i}") for i in range(1, 9)]
    for i in (1, 2, 3):
        local_store.cms(i, "en", f"cms en {i}")
        local_store.cms(i, "ru", f"cms ru {i}")
    run(feed_file(feed), local_store)
    for i in (2, 5):
        override_create(movie=Movie.objects.get(external_id=i), language="ru" if i % 2 == 0 else "en", text=f"o{i}", author=editor)
    local_store.delete("cms/3/en.json")
    run(feed_file(feed), local_store)
    assert_descriptions_follow_the_rule()
    assert set(Movie.objects.values_list("source_used", flat=True)) == {"override", "cms", "partner"}


def test_an_s3_url_reads_the_local_object_store_in_the_embedded_mode(local_store):
    url = local_store.put("feeds/partner.json", [movie(1, "From the store")])
    assert url == "s3://cms-test/feeds/partner.json"
    result = etl_run(partner_source=url)
    assert result.partner_source == url and Movie.objects.get(external_id=1).title == "From the store"
    with pytest.raises(FeedError, match="s3://cms-test/feeds/missing.json: no such file"):
        etl_run(partner_source="s3://cms-test/feeds/missing.json")
