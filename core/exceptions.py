"""Domain exceptions shared by the apps; turned into HTTP answers in `core.api`."""


class DomainError(Exception):
    """A failure with a message meant for the caller; `status_code` is its HTTP answer."""

    status_code = 400
    code = "error"

    def __init__(self, message: str | None = None, *, extra: dict | None = None):
        super().__init__(message or self.__doc__)
        self.message = message or (self.__doc__ or "").strip()
        self.extra = extra or {}  # more members of the JSON answer (e.g. per-field messages)


class ServiceUnavailable(DomainError):
    """A backing service is unreachable; try again shortly."""

    status_code = 503
    code = "service_unavailable"


class StorageUnavailable(ServiceUnavailable):
    """Object storage is unreachable; try again shortly."""

    code = "storage_unavailable"
