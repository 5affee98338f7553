"""factory-boy factories for the whole suite."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import CmsDescription, Genre, Movie
from core.permissions import EDITORS_GROUP
from overrides.models import DescriptionOverride
from people.models import Credit, Person


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


def editors_group() -> Group:
    """The Editors group of the migrations; recreated by them when a transactional test flushed it."""
    group = Group.objects.filter(name=EDITORS_GROUP).first()
    if group is None:
        import importlib
        from pathlib import Path

        from django.apps import apps

        root = Path(__file__).resolve().parent.parent
        for path in sorted(root.glob("*/migrations/*_editors_group.py")):
            module = importlib.import_module(f"{path.parent.parent.name}.migrations.{path.stem}")
            module.grant(apps, None)
        group = Group.objects.get(name=EDITORS_GROUP)
    return group


class EditorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(editors_group())


class MovieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Movie

    external_id = factory.Sequence(lambda n: 10_000 + n)
    title = factory.Faker("sentence", nb_words=3)
    language = "en"
    partner_description = factory.Faker("paragraph")
    description = factory.SelfAttribute("partner_description")


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"genre-{n}")
    name_en = factory.LazyAttribute(lambda genre: genre.slug.replace("-", " ").title())
    name_ru = factory.LazyAttribute(lambda genre: genre.name_en)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    external_id = factory.Sequence(lambda n: 50_000 + n)
    full_name = factory.Faker("name")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=90)


class CreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credit

    movie = factory.SubFactory(MovieFactory)
    person = factory.SubFactory(PersonFactory)
    role_name = factory.Faker("first_name")
    billing_order = factory.Sequence(lambda n: n)


def _refresh_stored_description(obj, create, extracted, **kwargs):
    """What every real write does (ETL, admin, API): keep the movie's stored description current."""
    if create:
        from overrides.services import descriptions_refresh

        descriptions_refresh(movie_ids=[obj.movie_id])


class CmsDescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CmsDescription
        skip_postgeneration_save = True

    movie = factory.SubFactory(MovieFactory)
    language = "en"
    text = factory.Faker("paragraph")
    stored_description = factory.PostGeneration(_refresh_stored_description)


class OverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DescriptionOverride
        skip_postgeneration_save = True

    movie = factory.SubFactory(MovieFactory)
    language = "en"
    text = factory.Faker("paragraph")
    stored_description = factory.PostGeneration(_refresh_stored_description)


def analyze(*tables: str) -> None:
    """Planner statistics that include this test's uncommitted rows (what autovacuum leaves after a load).

    Autovacuum is held off the tables until the test ends: its own ANALYZE, not seeing uncommitted
    rows, would overwrite the row counts with the old ones (seen under load).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
            cursor.execute(f"ANALYZE {table}")
