"""GET /api/v1/search/suggest: what the search box offers while the viewer types; and how list
endpoints report a rewritten query (`interpreted_as`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import visible_movies
from core.api import SearchRateThrottle
from search import selectors
from search.normalise import SEARCH_MAX_LENGTH

SUGGESTIONS = 8
MOVIE_SHARE = 5  # of the eight: movies first, people fill what movies leave and vice versa

class SuggestionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["movie", "person"])
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="The movie's title or the person's name.")
    year = serializers.IntegerField(allow_null=True, help_text="The movie's year, when known.")
    role = serializers.CharField(allow_null=True, help_text="The person's role in their first-billed credit, when known.")
    matched = serializers.CharField(help_text="title / cast / description for movies, name for people.")
    link = serializers.CharField(help_text="The web app's page.")
    api_url = serializers.CharField()


def _movie_item(movie) -> dict:
    return {
        "type": "movie", "id": movie.pk, "label": movie.title, "year": getattr(movie, "year", None), "role": None,
        "matched": movie.search_matched, "link": f"/movies/{movie.pk}", "api_url": f"/api/v1/movies/{movie.pk}/",
    }


def _person_item(person) -> dict:
    return {
        "type": "person", "id": person.pk, "label": person.full_name, "year": None, "role": person.first_role or None,
        "matched": person.search_matched, "link": f"/people/{person.pk}", "api_url": f"/api/v1/people/{person.pk}/",
    }


class SuggestView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [SearchRateThrottle]

    @extend_schema(
        summary="Suggestions for the search box: up to 8 movies and people",
        parameters=[OpenApiParameter("q", str, required=True, description="What the viewer typed so far.")],
        responses=inline_serializer(
            "Suggestions",
            {"interpreted_as": serializers.CharField(allow_null=True), "results": SuggestionSerializer(many=True)},
        ),
    )
    def get(self, request):
        query = request.query_params.get("q", "")
        if len(query) > SEARCH_MAX_LENGTH:
            raise exceptions.ValidationError({"q": [f"Ensure this field has no more than {SEARCH_MAX_LENGTH} characters."]})
        if not query.strip():
            return Response({"interpreted_as": None, "results": []})
        # Eight at most are shown: reading 8 candidates (not a page's 50) keeps each keystroke cheap.
        movies_page = selectors.search_movies(movies=visible_movies(user=request.user), query=query, depth=SUGGESTIONS)
        people_page = selectors.search_people(
            people=selectors.people_with_first_role(user=request.user), query=query, depth=SUGGESTIONS)
        movies = list(movies_page.queryset.only("id", "title", "year")[:SUGGESTIONS])
        people = list(people_page.queryset[:SUGGESTIONS])
        movie_count = min(len(movies), max(MOVIE_SHARE, SUGGESTIONS - len(people)))
        items = [_movie_item(m) for m in movies[:movie_count]]
        items += [_person_item(p) for p in people[: SUGGESTIONS - movie_count]]
        return Response({"interpreted_as": movies_page.interpreted_as or people_page.interpreted_as, "results": items})
