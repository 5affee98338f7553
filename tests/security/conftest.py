"""Users of every kind and a small published + unpublished catalog for the security tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import CreditFactory, MovieFactory, OverrideFactory, PersonFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_without_permissions(db):
    """Staff (may open /admin/) but in no group and with no permission."""
    return UserFactory(username="bare-staff", is_staff=True)


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def catalog(db):
    """A published movie with a credit and an override, and an unpublished one with the same."""
    published = MovieFactory(title="Published Picture", is_published=True)
    hidden = MovieFactory(title="Secret Cut", is_published=False)
    person = PersonFactory(full_name="Visible Actor")
    CreditFactory(movie=published, person=person)
    hidden_person = PersonFactory(full_name="Hidden Actor")
    CreditFactory(movie=hidden, person=hidden_person)
    return {
        "published": published,
        "hidden": hidden,
        "person": person,
        "hidden_person": hidden_person,
        "override": OverrideFactory(movie=published, language="en", text="public override"),
        "hidden_override": OverrideFactory(movie=hidden, language="en", text="hidden override"),
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made by the dozen here; the production hasher's cost is not what these tests check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
