"""The one S3 client of the process (object storage for videos and CMS documents), built from settings."""

from __future__ import annotations

import functools

import boto3
from botocore.config import Config
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
