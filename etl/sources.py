"""Where the ETL reads from: a local file, or an object (s3://bucket/key) in object storage (core.storage).

In the embedded mode s3://bucket/key is the file LOCAL_OBJECT_STORE_DIR/bucket/key (core.storage's switch),
so the same source strings work with and without an S3 server. Keys never climb out of their bucket.
Storage errors become FeedError (the source is wrong) or SourceUnavailable (try again), naming the URL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError as BotoConnectionError
from django.conf import settings

from core import storage
from core.storage import ObjectLocation, describe_client_error, s3_client, uses_s3
from etl.exceptions import FeedError, SourceUnavailable

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
CMS_PREFIX = "cms"  # where the CMS documents live in the CMS bucket unless an operator names another prefix


def default_cms_source() -> str:
    """The CMS documents' default location: s3://<S3_CMS_BUCKET>/cms."""
    return f"s3://{settings.S3_CMS_BUCKET}/{CMS_PREFIX}"


def configured_cms_source() -> str | None:
    """The CMS source an operator configured (ETL_CMS_SOURCE): its value, the default when empty, None for "none"."""
    if settings.ETL_CMS_SOURCE == "none":
        return None
    return settings.ETL_CMS_SOURCE or default_cms_source()


def parse_s3_url(url: str, *, prefix: bool = False) -> ObjectLocation:
    """s3://bucket/key (or s3://bucket[/prefix] with `prefix`), with the key checked to stay inside the bucket."""
    if not url.startswith("s3://"):
        raise FeedError(f"{url}: not an s3:// URL")
    bucket, _, key = url[len("s3://"):].partition("/")
    if not _BUCKET_RE.match(bucket):
        raise FeedError(f"{url}: {bucket!r} is not a valid bucket name")
    key = key.strip("/") if prefix else key
    parts = key.split("/") if key else []
    if any(part in ("", ".", "..") for part in parts) or "\\" in key or "\x00" in key:
        raise FeedError(f"{url}: the key must be a plain path inside the bucket")
    if not prefix and not key:
        raise FeedError(f"{url}: the URL names a bucket but no object")
    return ObjectLocation(bucket, key)


class CountingReader:
    """A binary file wrapper that counts the bytes read (progress and error positions)."""

    def __init__(self, raw, on_read=None):
        self.raw = raw
        self.bytes_read = 0
        self.on_read = on_read

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.bytes_read += len(chunk)
        if self.on_read is not None:
            self.on_read(len(chunk))
        return chunk

    def close(self) -> None:
        self.raw.close()


@dataclass
class OpenedSource:
    reader: CountingReader
    size: int | None
    name: str


def open_feed(source: str, *, on_read=None) -> OpenedSource:
    """Open the partner feed for streaming; the caller closes it."""
    if source.startswith("s3://"):
        location = parse_s3_url(source)
        if not uses_s3():
            return _open_local(location.local_path(), source, on_read)
        try:
            response = s3_client().get_object(Bucket=location.bucket, Key=location.key)
        except ClientError as exc:
            raise FeedError(f"{source}: {describe_client_error(exc)}") from exc
        except (BotoConnectionError, BotoCoreError) as exc:
            raise SourceUnavailable(f"{source}: object storage is unreachable ({exc})") from exc
        return OpenedSource(CountingReader(response["Body"], on_read), response.get("ContentLength"), source)
    return _open_local(Path(source), source, on_read)


def _open_local(path: Path, source: str, on_read) -> OpenedSource:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the caller
        size = os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        raise FeedError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise FeedError(f"{source}: is a directory, not a feed file") from None
    except OSError as exc:
        raise FeedError(f"{source}: cannot be read ({exc.strerror})") from None
    return OpenedSource(CountingReader(handle, on_read), size, source)


class ListedObject(NamedTuple):
    key: str
    size: int | None  # None: not looked at (a local file without an image extension)
    etag: str  # S3's ETag; locally "<mtime_ns>-<size>" in hex: changes when the file is rewritten


def list_objects(root: ObjectLocation, *, stat_suffixes: tuple[str, ...] = ()) -> Iterator[ListedObject]:
    """The objects under the prefix `root.key`, in key order. Over S3 the listing gives every object's size
    and ETag; locally only files ending with one of `stat_suffixes` are looked at (a stat each)."""
    if not uses_s3():
        base = storage.local_bucket_path(root.bucket)
        if not base.is_dir():
            raise FeedError(f"{root.url}: bucket {root.bucket!r} does not exist")
        start = base / root.key if root.key else base
        keys = []
        for directory, _, files in os.walk(start):
            for name in files:
                keys.append(Path(directory, name).relative_to(base).as_posix())
        for key in sorted(keys):
            if stat_suffixes and key.lower().endswith(stat_suffixes):
                try:
                    info = (base / key).stat()
                except OSError:
                    continue  # gone since the walk
                yield ListedObject(key, info.st_size, f"{info.st_mtime_ns:x}-{info.st_size:x}")
            else:
                yield ListedObject(key, None, "")
        return
    paginator = s3_client().get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=root.bucket, Prefix=f"{root.key}/" if root.key else ""):
            for item in page.get("Contents", []):
                yield ListedObject(item["Key"], item.get("Size"), item.get("ETag", "").strip('"'))
    except ClientError as exc:
        raise FeedError(f"{root.url}: {describe_client_error(exc)}") from exc
    except (BotoConnectionError, BotoCoreError) as exc:
        raise SourceUnavailable(f"{root.url}: object storage is unreachable ({exc})") from exc


def read_object(bucket: str, key: str) -> bytes:
    """The whole (small) object; FeedError / SourceUnavailable name it when it cannot be read."""
    location = ObjectLocation(bucket, key)
    if not uses_s3():
        try:
            return location.local_path().read_bytes()
        except OSError as exc:
            raise FeedError(f"{location.url}: cannot be read ({exc.strerror})") from None
    try:
        response = s3_client().get_object(Bucket=bucket, Key=key)
        try:
            return response["Body"].read()
        finally:
            response["Body"].close()
    except ClientError as exc:
        raise FeedError(f"{location.url}: {describe_client_error(exc)}") from exc
    except (BotoConnectionError, BotoCoreError) as exc:
        raise SourceUnavailable(f"{location.url}: object storage is unreachable ({exc})") from exc


def put_object_if_changed(location: ObjectLocation, body: bytes, *, content_type: str = "application/json") -> bool:
    """Write the object unless it already holds exactly `body`; True when it was written."""
    try:
        return storage.put_object_if_changed(location, body, content_type=content_type)
    except ClientError as exc:
        raise FeedError(f"{location.url}: {describe_client_error(exc)}") from exc

