"""Video objects in storage: writes, deletes and ranged reads (the S3 client and local switch are core.storage's).

Writes and deletes go through Django's default storage (django-storages' S3 backend when
S3_ENDPOINT_URL is set, the local object directory MEDIA_ROOT otherwise): it uploads large files in
parts from Django's temporary upload file. Reads never use `Storage.open()`, which for S3 downloads
the whole object first (django-storages #383): they ask for exactly the bytes needed with
`get_object(Range=...)` and hand back a body to read in chunks and close.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.core.files.storage import default_storage

from core.exceptions import StorageUnavailable
from core.storage import is_missing as _is_missing, reset_s3_client, s3_client

__all__ = ["ObjectMissing", "StoredObject", "delete_object", "download_object", "object_size", "open_range", "presigned_url", "read_object",
           "reset_s3_client", "s3_client", "save_object"]

logger = logging.getLogger(__name__)


class ObjectMissing(Exception):
    """The key is not in storage (the database and the bucket disagree)."""


class ObjectBody(Protocol):
    def read(self, amt: int | None = None) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    storage_etag: str


def _uses_s3() -> bool:
    # Videos are written through Django's default storage, so its backend (not only USE_S3) decides.
    return hasattr(default_storage, "bucket_name")


def _bucket_and_key(key: str) -> tuple[str, str]:
    location = getattr(default_storage, "location", "") or ""
    return default_storage.bucket_name, posixpath.join(location, key) if location else key


def _unavailable(exc: Exception) -> StorageUnavailable:
    logger.error("object storage unavailable: %s", exc)
    return StorageUnavailable("Video storage is unreachable; try again shortly.")


def save_object(*, key: str, content: File, content_type: str) -> StoredObject:
    """Store `content` under `key` (made by the server); large files go up in parts, not through memory."""
    content.content_type = content_type  # what the S3 backend sends as ContentType
    try:
        name = default_storage.save(key, content)
    except (BotoCoreError, ClientError, OSError) as exc:
        raise _unavailable(exc) from exc
    if name != key:
        # Keys hold a fresh UUID, so the storage never has to rename; if it did, do not keep a stray copy.
        delete_object(name)
        raise StorageUnavailable(f"Storage stored the video under an unexpected key {name!r}.")
    return StoredObject(key=key, size=object_size(key), storage_etag=_storage_etag(key))


def _storage_etag(key: str) -> str:
    if not _uses_s3():
        return ""
    bucket, full_key = _bucket_and_key(key)
    try:
        return s3_client().head_object(Bucket=bucket, Key=full_key)["ETag"].strip('"')
    except (BotoCoreError, ClientError) as exc:
        raise _unavailable(exc) from exc


def object_size(key: str) -> int:
    try:
        return default_storage.size(key)
    except FileNotFoundError as exc:
        raise ObjectMissing(key) from exc
    except ClientError as exc:
        if _is_missing(exc):
            raise ObjectMissing(key) from exc
        raise _unavailable(exc) from exc
    except (BotoCoreError, OSError) as exc:
        raise _unavailable(exc) from exc


def delete_object(key: str) -> None:
    """Remove the object; a missing one is fine (deletes are retried after failures)."""
    try:
        default_storage.delete(key)
    except FileNotFoundError:
        pass
    except (BotoCoreError, ClientError, OSError) as exc:
        raise _unavailable(exc) from exc


class _FileSlice:
    """`length` bytes of a local file from `start`: the filesystem twin of an S3 range body."""

    def __init__(self, file: BinaryIO, length: int):
        self._file = file
        self._remaining = length

    def read(self, amt: int | None = None) -> bytes:
        amt = self._remaining if amt is None else min(amt, self._remaining)
        data = self._file.read(amt) if amt > 0 else b""
        self._remaining -= len(data)
        return data

    def close(self) -> None:
        self._file.close()


def open_range(key: str, start: int, end: int) -> ObjectBody:
    """An open body of bytes `start`..`end` (inclusive) of the object; the caller must close it."""
    if _uses_s3():
        bucket, full_key = _bucket_and_key(key)
        try:
            response = s3_client().get_object(Bucket=bucket, Key=full_key, Range=f"bytes={start}-{end}")
        except ClientError as exc:
            if _is_missing(exc):
                raise ObjectMissing(key) from exc
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        return response["Body"]
    try:
        file = open(default_storage.path(key), "rb")  # noqa: SIM115 - closed by the caller through _FileSlice
    except FileNotFoundError as exc:
        raise ObjectMissing(key) from exc
    except OSError as exc:
        raise _unavailable(exc) from exc
    file.seek(start)
    return _FileSlice(file, end - start + 1)


def presigned_url(key: str, *, content_type: str, expires: int) -> str | None:
    """A short-lived URL that lets a client GET the object from S3 directly; None for local storage."""
    if not _uses_s3():
        return None
    bucket, full_key = _bucket_and_key(key)
    return s3_client().generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": full_key, "ResponseContentType": content_type},
        ExpiresIn=expires,
    )


def read_object(key: str, *, size: int | None = None) -> bytes:
    """The whole object (small ones only: images, sprite sheets)."""
    size = object_size(key) if size is None else size
    if size <= 0:
        return b""
    body = open_range(key, 0, size - 1)
    try:
        return body.read()
    finally:
        body.close()


def download_object(key: str, destination: BinaryIO, *, size: int, chunk_size: int = 4 * 1024 * 1024) -> None:
    """Copy the object into an open file in chunks (a video, for decoding frames)."""
    if size <= 0:
        return
    body = open_range(key, 0, size - 1)
    try:
        for chunk in iter(lambda: body.read(chunk_size), b""):
            destination.write(chunk)
    finally:
        body.close()
