from django.apps import AppConfig
from django.core import checks


class StreamingConfig(AppConfig):
    name = "streaming"
    verbose_name = "Streaming"

    def ready(self):
        checks.register(check_streaming_mode, checks.Tags.compatibility)


def check_streaming_mode(app_configs, **kwargs):
    """A mistyped STREAMING_MODE would otherwise only show when a viewer presses play."""
    from django.conf import settings

    from streaming.api import MODES

    if settings.STREAMING_MODE not in MODES:
        return [
            checks.Error(
                f"STREAMING_MODE is {settings.STREAMING_MODE!r}; use one of {', '.join(MODES)}.",
                id="streaming.E001",
            )
        ]
    return []
