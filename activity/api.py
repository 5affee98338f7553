"""/api/v1/activity/events (ingest), /api/v1/me/continue-watching and /api/v1/analytics/* (thin views)."""

from __future__ import annotations


from drf_spectacular.authentication import SessionScheme
from drf_spectacular.types import OpenApiTypes
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from activity import selectors
from activity.identity import VIEWER_HEADER, VIEWER_HEADER_PARAMETER, VIEWER_ID_RE, request_viewer_key, viewer_key_for
from activity.services import ingest_events
from activity.validation import MAX_BATCH, openapi_batch_schema
from core.api import SharedRateThrottle
from core.integers import int_param
from core.parsers import JSONParser



class BeaconJSONParser(JSONParser):
    """JSON sent as text/plain: what `navigator.sendBeacon(url, string)` produces."""

    media_type = "text/plain"


class BeaconSessionAuthentication(SessionAuthentication):
    """The session user without DRF's CSRF check: sendBeacon cannot send a CSRF token, and an event
    forged by another site can at most move the victim's own resume position."""

    def enforce_csrf(self, request):
        return


class BeaconSessionScheme(SessionScheme):
    """Documents BeaconSessionAuthentication as the session cookie it is."""

    target_class = "activity.api.BeaconSessionAuthentication"
    name = "beaconCookieAuth"


class _IngestThrottle(SharedRateThrottle):
    def allow_request(self, request, view):
        return request.method != "POST" or super().allow_request(request, view)


class IngestViewerThrottle(_IngestThrottle):
    """Event batches per viewer: the user, else X-Viewer-Id, else the batch's first viewer_id."""

    scope = "ingest_viewer"

    def get_cache_key(self, request, view):
        key = request_viewer_key(request, strict=False)
        if key is None:
            data = request.data
            events = data.get("events") if isinstance(data, dict) else None
            first = events[0] if isinstance(events, list) and events and isinstance(events[0], dict) else {}
            viewer_id = first.get("viewer_id")
            key = viewer_key_for(viewer_id=viewer_id) if isinstance(viewer_id, str) and VIEWER_ID_RE.match(viewer_id) else None
        if key is None:
            return None  # nobody to name: the per-address limit still applies
        return self.cache_format % {"scope": self.scope, "ident": key}


class IngestIpThrottle(_IngestThrottle):
    """Event batches per client address."""

    scope = "ingest_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class EventResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the event in the batch.")
    event_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"])
    code = serializers.CharField(required=False, help_text="Rejected only: invalid, unknown_movie, future_timestamp, stale_timestamp.")
    reason = serializers.CharField(required=False, help_text="Rejected only: what is wrong, naming the field.")


class IngestResponseSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = EventResultSerializer(many=True)


def _batch_events(data) -> list:
    if not isinstance(data, dict):
        raise exceptions.ValidationError('The body must be a JSON object: {"events": [...]}.')
    events = data.get("events")
    if not isinstance(events, list):
        raise exceptions.ValidationError({"events": ["Required: a list of 1 to %d events." % MAX_BATCH]})
    if not events:
        raise exceptions.ValidationError({"events": ["At least one event is required."]})
    if len(events) > MAX_BATCH:
        raise exceptions.ValidationError({"events": [f"At most {MAX_BATCH} events per batch (got {len(events)})."]})
    return events


class EventIngestView(APIView):
    """POST a batch of playback events (fetch with JSON, or navigator.sendBeacon with text/plain)."""

    permission_classes = [AllowAny]
    authentication_classes = [BeaconSessionAuthentication, TokenAuthentication]
    parser_classes = [JSONParser, BeaconJSONParser]
    throttle_classes = [IngestViewerThrottle, IngestIpThrottle]

    @extend_schema(
        summary="Send a batch of playback events",
        description="1 to 500 events of the event v1 schema (activity/schema/event-v1.json). Valid events are "
        "stored durably before the 202; each event's result says accepted, duplicate (its event_id was already "
        "stored) or rejected with a reason. The whole request is refused (400) only when it is not a batch.",
        request={"application/json": openapi_batch_schema(), "text/plain": openapi_batch_schema()},
        # 400 (not a batch: not JSON, no events list, 0 or over 500 events), 413, 415 and 429 are the
        # project-wide error answers (core.openapi).
        responses={202: IngestResponseSerializer},
    )
    def post(self, request):
        events = _batch_events(request.data)
        results = ingest_events(events=events, user=request.user)
        counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for result in results:
            counts[result.status] += 1
        body = {
            "accepted": counts["accepted"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "results": [r.as_dict() for r in results],
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ContinueWatchingMovieSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ContinueWatchingSerializer(serializers.Serializer):
    movie = ContinueWatchingMovieSerializer()
    position = serializers.FloatField()
    duration = serializers.FloatField(allow_null=True)
    progress = serializers.SerializerMethodField(help_text="position / duration (0..1), null when the duration is unknown.")
    updated_at = serializers.DateTimeField(help_text="Last played.")

    def get_progress(self, obj) -> float | None:
        return round(obj.position / obj.duration, 4) if obj.duration else None


class ContinueWatchingView(generics.ListAPIView):
    """The viewer's unfinished films (paginated like every list), last played first."""

    permission_classes = [AllowAny]
    serializer_class = ContinueWatchingSerializer
    filter_backends: list = []

    @extend_schema(summary="The viewer's unfinished films, last played first", parameters=[VIEWER_HEADER_PARAMETER])
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # Each viewer sees their own list: no shared cache may keep it.
        patch_vary_headers(response, [VIEWER_HEADER, "Cookie"])
        patch_cache_control(response, private=True, no_cache=True)
        return response

    def get_queryset(self):
        viewer_key = request_viewer_key(self.request)
        if viewer_key is None:
            raise exceptions.ValidationError(f"Log in or send the {VIEWER_HEADER} header.")
        return selectors.continue_watching(viewer_key=viewer_key, user=self.request.user)


MAX_DAYS = 365
MAX_TOP = 100
MAX_ID = 2**63 - 1
DAYS_PARAMETER = OpenApiParameter(
    "days", {"type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": 7},
    description=f"Days back, today included (1-{MAX_DAYS}, default 7).",
)
MOVIE_PARAMETER = OpenApiParameter(
    "movie_id", {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
    description="Only this movie (default: all published movies). A movie that does not exist, or is not published, has no statistics.",
)


class TopMovieSerializer(serializers.Serializer):
    movie_id = serializers.IntegerField()
    title = serializers.CharField(source="movie__title")
    plays = serializers.IntegerField()
    watch_seconds = serializers.FloatField()
    unique_viewers = serializers.IntegerField()
    completions = serializers.IntegerField()


class WatchTimeDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    watch_seconds = serializers.FloatField()
    plays = serializers.IntegerField()
    unique_viewers = serializers.IntegerField()


class ErrorRateDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    errors = serializers.IntegerField()
    starts = serializers.IntegerField()
    error_rate = serializers.FloatField(help_text="errors / started sessions (0 when none started).")


class TopMoviesResponseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    metric = serializers.ChoiceField(choices=list(selectors.TOP_METRICS))
    results = TopMovieSerializer(many=True)


class WatchTimeResponseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    movie_id = serializers.IntegerField(allow_null=True)
    results = WatchTimeDaySerializer(many=True)


class ErrorRateResponseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    movie_id = serializers.IntegerField(allow_null=True)
    results = ErrorRateDaySerializer(many=True)


class TopMoviesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Most watched movies",
        parameters=[
            DAYS_PARAMETER,
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": 10}, description=f"How many (1-{MAX_TOP}, default 10)."),
            OpenApiParameter("metric", OpenApiTypes.STR, enum=list(selectors.TOP_METRICS), description="Ranking (default plays)."),
        ],
        responses=TopMoviesResponseSerializer,
    )
    def get(self, request):
        days = int_param(request, "days", default=7, minimum=1, maximum=MAX_DAYS)
        limit = int_param(request, "limit", default=10, minimum=1, maximum=MAX_TOP)
        metric = request.query_params.get("metric") or "plays"
        if metric not in selectors.TOP_METRICS:
            raise exceptions.ValidationError({"metric": [f"One of {', '.join(selectors.TOP_METRICS)}."]})
        rows = selectors.top_movies(days=days, limit=limit, metric=metric, user=request.user)
        return Response({"days": days, "metric": metric, "results": TopMovieSerializer(rows, many=True).data})


class _DailySeriesView(APIView):
    """A per-day series of one statistic over the last `days`, for all movies or one."""

    permission_classes = [AllowAny]
    selector = None  # a selectors function taking days= and movie_id=
    row_serializer: type[serializers.Serializer]

    def get(self, request):
        days = int_param(request, "days", default=7, minimum=1, maximum=MAX_DAYS)
        movie_id = int_param(request, "movie_id", default=0, minimum=1, maximum=MAX_ID, optional=True)
        rows = type(self).selector(days=days, movie_id=movie_id, user=request.user)
        return Response({"days": days, "movie_id": movie_id, "results": self.row_serializer(rows, many=True).data})


@extend_schema(summary="Watch time per day", parameters=[DAYS_PARAMETER, MOVIE_PARAMETER], responses=WatchTimeResponseSerializer)
class WatchTimeView(_DailySeriesView):
    """Seconds watched, plays and unique viewers per day."""

    selector = selectors.watch_time_by_day
    row_serializer = WatchTimeDaySerializer


@extend_schema(summary="Player error rate per day", parameters=[DAYS_PARAMETER, MOVIE_PARAMETER], responses=ErrorRateResponseSerializer)
class ErrorRateView(_DailySeriesView):
    """Player errors per started session, per day."""

    selector = selectors.error_rate_by_day
    row_serializer = ErrorRateDaySerializer
