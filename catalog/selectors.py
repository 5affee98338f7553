"""Reads of the catalog: who may see which movies, the movie list, and everything a movie's page shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Exists, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from catalog.models import DescriptionSource, Genre, Movie
from core.exceptions import DomainError
from overrides.models import DescriptionOverride
from overrides.selectors import description_language_columns, description_languages, override_for, with_description
from people.models import Credit, Job, Person
from search.selectors import SearchPage, search_movies
from streaming.models import VideoAsset


class MovieNotFound(DomainError):
    """No such movie (an unpublished one, to anyone but staff, is no such movie either)."""

    status_code = 404
    code = "not_found"


def sees_unpublished(user) -> bool:
    """THE rule of who sees a movie, for every app: published movies; staff also see unpublished ones.

    Everyone else sees the public catalog, the same for all of them (what the shared cache may hold).
    """
    return user is not None and user.is_staff


def visible_movie(*, user, via: str = "") -> Q:
    """The rule (`sees_unpublished`) as a filter on movies, or on rows that reach a movie through `via`
    (e.g. "credits__movie__")."""
    return Q() if sees_unpublished(user) else Q(**{f"{via}is_published": True})


def visible_movies(*, user) -> QuerySet[Movie]:
    """The movies `user` may see (see `visible_movie`)."""
    return Movie.objects.filter(visible_movie(user=user))


def visible_movie_ids(*, user, ids: Iterable[int]) -> set[int]:
    """Which of `ids` name movies `user` may see (`visible_movies`), in one indexed lookup.

    Written as SQL for the hot path that asks it for every batch of player events: the ORM spent
    more CPU building this query than PostgreSQL spends answering it. The rule is still
    `sees_unpublished`; ids are bigints (the callers' schema bounds them).
    """
    sql = f"SELECT id FROM {Movie._meta.db_table} WHERE id = ANY(%s::bigint[])"
    if not sees_unpublished(user):
        sql += " AND is_published"
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids)])
        return {row[0] for row in cursor.fetchall()}


def movie_list(*, user, language: str | None) -> QuerySet[Movie]:
    """The movies `user` may see, with `shown_description` / `shown_source` in `language` (None: each one's own)."""
    return with_description(visible_movies(user=user), language)


def movie_search(movies: QuerySet[Movie], query: str) -> SearchPage:
    """`movies` matching `query` by title, cast or description, best first (the engine is search.engine)."""
    return search_movies(movies=movies, query=query)


def movie_credits(*, movie_id: int) -> QuerySet[Credit]:
    """A movie's cast (actors) in billing order, with the people."""
    return (
        Credit.objects.filter(movie_id=movie_id, job=Job.ACTOR).select_related("person").order_by("billing_order", "id")
    )


def _cast_and_crew(rows: list[dict], *, movie_id: int) -> tuple[list[Credit], dict[str, list[Credit]]]:
    """The cast, and the crew by job (directors, writers, producers, composers, in that order), from
    `_credit_rows` (already in billing order)."""
    cast: list[Credit] = []
    crew: dict[str, list[Credit]] = {job: [] for job in Job.values if job != Job.ACTOR}
    for row in rows:
        person = Person(id=row["person_id"], full_name=row["full_name"])
        credit = Credit(id=row["id"], movie_id=movie_id, person=person, job=row["job"], role_name=row["role_name"], billing_order=row["billing_order"])
        (cast if credit.job == Job.ACTOR else crew[credit.job]).append(credit)
    return cast, crew


def filter_movies(
    movies: QuerySet[Movie], *, genres: list[str] = (), year_from: int | None = None, year_to: int | None = None,
    countries: list[str] = (), age_ratings: list[str] = (), has_video: bool | None = None, person_id: int | None = None,
) -> QuerySet[Movie]:
    """`movies` narrowed by the catalog's filters (a list means any of its values)."""
    if genres:
        movies = movies.filter(Exists(Movie.genres.through.objects.filter(movie_id=OuterRef("pk"), genre__slug__in=genres)))
    if year_from is not None:
        movies = movies.filter(year__gte=year_from)
    if year_to is not None:
        movies = movies.filter(year__lte=year_to)
    if countries:
        movies = movies.filter(countries__overlap=list(countries))
    if age_ratings:
        movies = movies.filter(age_rating__in=age_ratings)
    if has_video is not None:
        movies = movies.filter(video__isnull=not has_video)
    if person_id is not None:
        movies = movies.filter(Exists(Credit.objects.filter(movie_id=OuterRef("pk"), person_id=person_id)))
    return movies


def with_popularity(movies: QuerySet[Movie], *, days: int = 30) -> QuerySet[Movie]:
    """`movies` with `popularity`: their plays over the last `days` days (activity's statistics)."""
    from activity.selectors import recent_plays  # activity reads catalog.selectors at import time

    plays = recent_plays(days=days).filter(movie_id=OuterRef("pk")).values("plays")
    return movies.annotate(popularity=Coalesce(Subquery(plays, output_field=IntegerField()), Value(0)))


def similar_movies(*, movie_id: int, user, limit: int = 12) -> list[Movie]:
    """Published movies like `movie_id`: shared genres, people and near years, best first (MovieNotFound if hidden).

    The cost is bounded: at most 30 people and a few hundred candidate movies are looked at, however large the catalog.
    """
    movie = visible_movies(user=user).filter(pk=movie_id).first()
    if movie is None:
        raise MovieNotFound(f"No movie with id {movie_id}.")
    genre_ids = list(movie.genres.values_list("pk", flat=True))
    person_ids = list(Credit.objects.filter(movie_id=movie_id).order_by("billing_order", "id").values_list("person_id", flat=True)[:30])
    published = Movie.objects.filter(is_published=True).exclude(pk=movie_id)
    candidates = set(
        Credit.objects.filter(person_id__in=person_ids, movie__is_published=True).exclude(movie_id=movie_id)
        .values_list("movie_id", flat=True)[:300]
    )
    if genre_ids:
        by_genre = published.filter(genres__in=genre_ids)
        if movie.year is not None:
            by_genre = by_genre.filter(year__range=(movie.year - 5, movie.year + 5))
        candidates.update(by_genre.values_list("pk", flat=True)[:300])
    if not candidates:
        return []
    scored = published.filter(pk__in=candidates).annotate(
        shared_genres=Count("genres", filter=Q(genres__in=genre_ids), distinct=True),
        shared_people=Count("credits__person", filter=Q(credits__person__in=person_ids), distinct=True),
    )

    def score(other: Movie) -> float:
        closeness = 0.0 if movie.year is None or other.year is None else max(0, 5 - abs(movie.year - other.year)) / 5
        return 2 * other.shared_genres + 3 * other.shared_people + closeness

    return sorted(scored, key=lambda other: (-score(other), other.title, other.pk))[:limit]


def genre_list(*, user) -> QuerySet[Genre]:
    """Every genre with `movie_count`: the movies `user` may see in it."""
    # Not DISTINCT: the link table holds a (movie, genre) pair once, and counting distinct ids sorted
    # every link row on disk (276 ms at 100k movies; a hash aggregate, 60 ms).
    return Genre.objects.annotate(movie_count=Count("movies", filter=visible_movie(user=user, via="movies__")))


@dataclass(frozen=True)
class MoviePage:
    movie: Movie  # with shown_description / shown_source for `language`
    language: str
    override: DescriptionOverride | None  # the editor's override in `language`
    available_languages: list[str]
    genres: list[Genre]
    credits: list[Credit]  # the cast
    crew: dict[str, list[Credit]]  # job -> credits, directors first
    video: VideoAsset | None
    media: dict  # poster and backdrop sources, seek-preview track (streaming.selectors.movie_media)
    last_modified: datetime  # the latest change of the movie and its descriptions


def _genre_rows() -> RawSQL:
    """The movie's genres as a JSON list of rows, in the page query. Written in SQL: compiling the same
    as ArraySubquery(JSONObject(...)) cost twice what a separate query does, this costs almost nothing."""
    genre, link = Genre._meta.db_table, Movie.genres.through._meta.db_table
    return RawSQL(
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'slug', g.slug, 'name_en', g.name_en, 'name_ru', g.name_ru)"
        f" ORDER BY g.name_en, g.id), '[]'::jsonb) FROM {genre} g JOIN {link} l ON l.genre_id = g.id"
        f" WHERE l.movie_id = {Movie._meta.db_table}.id)",
        [], output_field=JSONField(),
    )


def _credit_rows() -> RawSQL:
    """The movie's credits with the people's names, in billing order, as a JSON list, in the page query
    (one query less than reading them apart; the index on (movie, billing order) finds them)."""
    credit, person = Credit._meta.db_table, Person._meta.db_table
    return RawSQL(
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'job', c.job, 'role_name', c.role_name,"
        " 'billing_order', c.billing_order, 'person_id', p.id, 'full_name', p.full_name) ORDER BY c.billing_order, c.id), '[]'::jsonb)"
        f" FROM {credit} c JOIN {person} p ON p.id = c.person_id WHERE c.movie_id = {Movie._meta.db_table}.id)",
        [], output_field=JSONField(),
    )


def movie_page(*, movie_id: int, user, language: str | None) -> MoviePage:
    """What a movie's page shows in `language` (None: the movie's own); MovieNotFound if `user` may not see it.

    One query: the movie with its genres, video, people, images and description languages; a second
    for the editor's override only when the shown description is one.
    """
    from streaming.selectors import movie_media_columns, movie_media_of  # streaming reads this module

    try:  # get(), not first(): no ORDER BY to compile for one row
        movie = (
            movie_list(user=user, language=language).select_related("video")
            .annotate(genre_rows=_genre_rows(), credit_rows=_credit_rows(), **description_language_columns(), **movie_media_columns())
            .get(pk=movie_id)
        )
    except Movie.DoesNotExist:
        raise MovieNotFound(f"No movie with id {movie_id}.") from None
    language = language or movie.language
    languages, descriptions_changed = description_languages(movie)
    cast, crew = _cast_and_crew(movie.credit_rows, movie_id=movie.pk)
    shows_override = movie.shown_source == DescriptionSource.OVERRIDE
    return MoviePage(
        movie=movie,
        language=language,
        override=override_for(movie_id=movie.pk, language=language) if shows_override else None,
        available_languages=sorted(languages | {movie.language}),
        genres=[Genre(**row) for row in movie.genre_rows],
        credits=cast,
        crew=crew,
        video=getattr(movie, "video", None),  # the reverse one-to-one raises when there is none
        media=movie_media_of(movie),
        last_modified=max(filter(None, [movie.updated_at, descriptions_changed])),
    )
