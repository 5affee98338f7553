"""/api/v1/analytics/overview, /qoe and /retention (thin views over analytics.selectors).

Public figures count published movies only; asking for an unpublished movie's figures is answered
like asking for a missing movie's, except for staff.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import selectors
from catalog.models import Movie
from catalog.selectors import visible_movies
from core.openapi import ERROR_SCHEMA

MAX_DAYS = 365
NO_MOVIE = OpenApiResponse(response=ERROR_SCHEMA, description="No such movie (or not visible to this user).")


class PeriodQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=30, help_text="Days back, today included.")


class MovieQuerySerializer(PeriodQuerySerializer):
    movie_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, help_text="Only this movie (default: all).")


class RetentionQuerySerializer(PeriodQuerySerializer):
    movie_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The movie.")


class OverviewQuerySerializer(PeriodQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10, help_text="How many movies.")


def _percent(help_text: str):
    return serializers.FloatField(allow_null=True, help_text=f"{help_text} In percent; null when nothing to divide by.")


class QoeFiguresSerializer(serializers.Serializer):
    views = serializers.IntegerField(help_text="Playback sessions.")
    started = serializers.IntegerField(help_text="Sessions that reached their first frame.")
    watch_seconds = serializers.FloatField(help_text="Seconds played.")
    startup_time_p50 = serializers.FloatField(allow_null=True, help_text="Median seconds from the play request to the first frame.")
    startup_time_p95 = serializers.FloatField(allow_null=True, help_text="95th percentile of the startup time, in seconds.")
    startup_failure_percentage = _percent("Play requests that ended before the first frame.")
    rebuffer_percentage = _percent("Stalled time over watch time (playing + stalled).")
    rebuffer_frequency = serializers.FloatField(allow_null=True, help_text="Stalls per minute of watch time.")
    stall_seconds = serializers.FloatField()
    playback_failure_percentage = _percent("Sessions ended by a fatal error.")
    completion_rate = _percent("Started sessions that finished (or passed 90 %).")
    watch_time_p50 = serializers.FloatField(allow_null=True, help_text="Median seconds played per started session.")
    watch_time_p95 = serializers.FloatField(allow_null=True)


class QoeDaySerializer(QoeFiguresSerializer):
    day = serializers.DateField()


class QoeMovieSerializer(QoeFiguresSerializer):
    movie_id = serializers.IntegerField()
    title = serializers.CharField()


class RenditionSerializer(serializers.Serializer):
    rendition = serializers.CharField(help_text="e.g. 720p, or 'unknown' for players that did not say.")
    seconds = serializers.FloatField()
    share = serializers.FloatField(help_text="Share of the time played (0-1).")


class QoeResponseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    movie_id = serializers.IntegerField(allow_null=True)
    summary = QoeFiguresSerializer()
    renditions = RenditionSerializer(many=True)
    results = QoeDaySerializer(many=True, help_text="One row per day, oldest first.")


class OverviewResponseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    summary = QoeFiguresSerializer()
    renditions = RenditionSerializer(many=True)
    movies = QoeMovieSerializer(many=True, help_text="The most viewed movies, with their figures.")


class RetentionPointSerializer(serializers.Serializer):
    percent = serializers.IntegerField(help_text="Point of the runtime (0, 5, ..., 100).")
    watching = serializers.FloatField(help_text="Percent of sessions still watching at this point.")
    rewatched = serializers.FloatField(allow_null=True, help_text="Percent of sessions that watched the next 5 % more than once (null at 100).")


class RetentionResponseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    movie_id = serializers.IntegerField()
    title = serializers.CharField()
    sessions = serializers.IntegerField(help_text="Sessions with a known duration that played something.")
    duration = serializers.FloatField(allow_null=True, help_text="The median reported video length, in seconds.")
    completion_rate = serializers.FloatField(allow_null=True)
    points = RetentionPointSerializer(many=True)


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        # The field errors, plus the one `detail` message every API error carries.
        message = "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in serializer.errors.items())
        raise exceptions.ValidationError({"detail": message, **serializer.errors})
    return serializer.validated_data


def _movie(request, movie_id: int) -> Movie:
    movie = visible_movies(user=request.user).filter(pk=movie_id).first()
    if movie is None:
        raise Http404("No movie with this id.")
    return movie


def _counted_movies(request, movie_id: int | None):
    """Published movies for everyone; a movie asked for by id counts if the caller may see it."""
    if movie_id is not None:
        _movie(request, movie_id)
        return visible_movies(user=request.user)
    return visible_movies(user=None)


def _quality(summaries, *, days: int) -> dict:
    """What every quality answer starts with: its window, the summary and the renditions watched."""
    return {"days": days, "summary": selectors.qoe_summary(summaries), "renditions": selectors.renditions(summaries)}


class OverviewView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Playback quality across the catalog", parameters=[OverviewQuerySerializer], responses=OverviewResponseSerializer)
    def get(self, request):
        query = _query(OverviewQuerySerializer, request)
        summaries = selectors.sessions(movies=visible_movies(user=None), days=query["days"])
        body = {**_quality(summaries, days=query["days"]), "movies": selectors.qoe_by_movie(summaries, limit=query["limit"])}
        return Response(OverviewResponseSerializer(body).data)


class QoeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Playback quality per day", parameters=[MovieQuerySerializer], responses={200: QoeResponseSerializer, 404: NO_MOVIE})
    def get(self, request):
        query = _query(MovieQuerySerializer, request)
        movie_id = query.get("movie_id")
        summaries = selectors.sessions(movies=_counted_movies(request, movie_id), days=query["days"], movie_id=movie_id)
        body = {
            **_quality(summaries, days=query["days"]),
            "movie_id": movie_id,
            "results": selectors.qoe_by_day(summaries, days=query["days"]),
        }
        return Response(QoeResponseSerializer(body).data)


class RetentionView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Audience retention of a movie", parameters=[RetentionQuerySerializer], responses={200: RetentionResponseSerializer, 404: NO_MOVIE})
    def get(self, request):
        query = _query(RetentionQuerySerializer, request)
        movie = _movie(request, query["movie_id"])
        summaries = selectors.sessions(movies=Movie.objects.filter(pk=movie.pk), days=query["days"])
        body = {"days": query["days"], "movie_id": movie.pk, "title": movie.title, **selectors.retention(summaries)}
        return Response(RetentionResponseSerializer(body).data)
