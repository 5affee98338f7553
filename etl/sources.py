"""Where the ETL reads from: a local file, or an object (s3://bucket/key) in S3 or the local object store.

In the embedded mode (settings.USE_S3 off) s3://bucket/key is the file LOCAL_OBJECT_STORE_DIR/bucket/key,
so the same source strings work with and without an S3 server. Keys never climb out of their bucket.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError as BotoConnectionError
from django.conf import settings

from etl.exceptions import FeedError, SourceUnavailable
from streaming.storage import s3_client

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class ObjectLocation:
    bucket: str
    key: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def local_path(self) -> Path:
        return Path(settings.LOCAL_OBJECT_STORE_DIR) / self.bucket / self.key


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
        if not settings.USE_S3:
            return _open_local(location.local_path(), source, on_read)
        try:
            response = s3_client().get_object(Bucket=location.bucket, Key=location.key)
        except ClientError as exc:
            raise FeedError(f"{source}: {_client_error(exc)}") from exc
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


def list_objects(root: ObjectLocation) -> Iterator[str]:
    """Keys of the objects under the prefix `root.key`, in key order."""
    if not settings.USE_S3:
        base = Path(settings.LOCAL_OBJECT_STORE_DIR) / root.bucket
        if not base.is_dir():
            raise FeedError(f"{root.url}: bucket {root.bucket!r} does not exist")
        start = base / root.key if root.key else base
        keys = []
        for directory, _, files in os.walk(start):
            for name in files:
                keys.append(Path(directory, name).relative_to(base).as_posix())
        yield from sorted(keys)
        return
    paginator = s3_client().get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=root.bucket, Prefix=f"{root.key}/" if root.key else ""):
            for item in page.get("Contents", []):
                yield item["Key"]
    except ClientError as exc:
        raise FeedError(f"{root.url}: {_client_error(exc)}") from exc
    except (BotoConnectionError, BotoCoreError) as exc:
        raise SourceUnavailable(f"{root.url}: object storage is unreachable ({exc})") from exc


def read_object(bucket: str, key: str) -> bytes:
    """The whole (small) object; FeedError / SourceUnavailable name it when it cannot be read."""
    location = ObjectLocation(bucket, key)
    if not settings.USE_S3:
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
        raise FeedError(f"{location.url}: {_client_error(exc)}") from exc
    except (BotoConnectionError, BotoCoreError) as exc:
        raise SourceUnavailable(f"{location.url}: object storage is unreachable ({exc})") from exc


def put_object_if_changed(location: ObjectLocation, body: bytes, *, content_type: str = "application/json") -> bool:
    """Write the object unless it already holds exactly `body`; True when it was written."""
    if not settings.USE_S3:
        path = location.local_path()
        if path.is_file() and path.read_bytes() == body:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(body)
        temporary.replace(path)
        return True
    client = s3_client()
    try:
        head = client.head_object(Bucket=location.bucket, Key=location.key)
        if head.get("ETag", "").strip('"') == hashlib.md5(body, usedforsecurity=False).hexdigest():
            return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise FeedError(f"{location.url}: {_client_error(exc)}") from exc
    client.put_object(Bucket=location.bucket, Key=location.key, Body=body, ContentType=content_type)
    return True


def ensure_bucket(bucket: str) -> None:
    """Create the bucket when missing (the demo's CMS bucket)."""
    if not settings.USE_S3:
        (Path(settings.LOCAL_OBJECT_STORE_DIR) / bucket).mkdir(parents=True, exist_ok=True)
        return
    client = s3_client()
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        client.create_bucket(Bucket=bucket)


def _client_error(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    return {
        "NoSuchBucket": "the bucket does not exist",
        "NoSuchKey": "no such object",
        "404": "no such object or bucket",
        "AccessDenied": "access denied",
        "403": "access denied",
    }.get(code, f"{code or 'error'}: {error.get('Message', exc)}")
