"""factory-boy factories for the whole suite."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import CmsDescription, Movie
from cinema_project.permissions import EDITORS_GROUP
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


class EditorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=EDITORS_GROUP))


class MovieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Movie

    external_id = factory.Sequence(lambda n: 10_000 + n)
    title = factory.Faker("sentence", nb_words=3)
    language = "en"
    partner_description = factory.Faker("paragraph")
    description = factory.SelfAttribute("partner_description")


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


class CmsDescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CmsDescription

    movie = factory.SubFactory(MovieFactory)
    language = "en"
    text = factory.Faker("paragraph")


class OverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DescriptionOverride

    movie = factory.SubFactory(MovieFactory)
    language = "en"
    text = factory.Faker("paragraph")
