"""Object storage: the one S3 client of the process, and the switch between S3 and the local object directory.

With S3_ENDPOINT_URL set (settings.USE_S3) objects live in S3 buckets; otherwise the object `key` of
`bucket` is the file LOCAL_OBJECT_STORE_DIR/bucket/key. Videos (streaming.storage), CMS documents and
partner feeds (etl.sources) and, later, images all go through here.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings


@functools.cache
def s3_client():
    """A boto3 S3 client for settings.S3_ENDPOINT_URL, with timeouts and a pool sized for many streams."""
    return boto3.client(
        "s3",
        endpoint_url=settings.S3_ENDPOINT_URL or None,
        region_name=settings.S3_REGION,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY or None,
        config=Config(
            max_pool_connections=settings.S3_MAX_POOL_CONNECTIONS,
            connect_timeout=settings.S3_CONNECT_TIMEOUT,
            read_timeout=settings.S3_READ_TIMEOUT,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def reset_s3_client() -> None:
    """Forget the client (tests point settings at another server)."""
    s3_client.cache_clear()


def uses_s3() -> bool:
    """True when objects live in S3; False in the embedded mode (the local object directory)."""
    return settings.USE_S3


def local_bucket_path(bucket: str) -> Path:
    return Path(settings.LOCAL_OBJECT_STORE_DIR) / bucket


@dataclass(frozen=True)
class ObjectLocation:
    """An object named by bucket and key (checked by whoever built it: keys never come from requests)."""

    bucket: str
    key: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def local_path(self) -> Path:
        return local_bucket_path(self.bucket) / self.key


def is_missing(exc: ClientError) -> bool:
    """The error says the object (or bucket) is not there."""
    error = exc.response.get("Error", {})
    return error.get("Code") in {"NoSuchKey", "404", "NotFound"} or exc.response.get(
        "ResponseMetadata", {}
    ).get("HTTPStatusCode") == 404


def describe_client_error(exc: ClientError) -> str:
    """S3's error in a few words for a person."""
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    return {
        "NoSuchBucket": "the bucket does not exist",
        "NoSuchKey": "no such object",
        "404": "no such object or bucket",
        "AccessDenied": "access denied",
        "403": "access denied",
    }.get(code, f"{code or 'error'}: {error.get('Message', exc)}")


def put_object_if_changed(location: ObjectLocation, body: bytes, *, content_type: str = "application/json") -> bool:
    """Write the object unless it already holds exactly `body`; True when it was written.

    Botocore's errors other than "not found" on the existence check propagate (ClientError).
    """
    if not uses_s3():
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
            raise
    client.put_object(Bucket=location.bucket, Key=location.key, Body=body, ContentType=content_type)
    return True


def ensure_bucket(bucket: str) -> None:
    """Create the bucket when missing (the demo's buckets)."""
    if not uses_s3():
        local_bucket_path(bucket).mkdir(parents=True, exist_ok=True)
        return
    client = s3_client()
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        client.create_bucket(Bucket=bucket)


def check_buckets(*buckets: str) -> None:
    """Readiness: the buckets answer (S3), or the local object directory is a writable directory."""
    if uses_s3():
        for bucket in buckets:
            s3_client().head_bucket(Bucket=bucket)
        return
    root = Path(settings.LOCAL_OBJECT_STORE_DIR)
    existing = root if root.exists() else root.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise OSError(f"the local object store {root} is not a writable directory")
