"""ETL fixtures: a feed file writer, and CMS documents in a local object store or a real S3 server (moto)."""

from __future__ import annotations

import json
import uuid

import pytest

from core.storage import reset_s3_client, s3_client


@pytest.fixture
def local_store(settings, tmp_path):
    """The embedded mode: s3://bucket/key is a file under a fresh LOCAL_OBJECT_STORE_DIR."""
    settings.S3_ENDPOINT_URL = ""
    settings.USE_S3 = False
    settings.LOCAL_OBJECT_STORE_DIR = tmp_path / "objects"
    settings.S3_CMS_BUCKET = "cms-test"
    (tmp_path / "objects" / "cms-test").mkdir(parents=True)
    reset_s3_client()
    return ObjectStore("cms-test", local_root=tmp_path / "objects")


@pytest.fixture
def s3_store(settings, s3_endpoint):
    """A real S3 API server and a fresh bucket of its own for this test."""
    settings.S3_ENDPOINT_URL = s3_endpoint
    settings.USE_S3 = True
    settings.S3_ACCESS_KEY_ID = settings.S3_ACCESS_KEY_ID or "testing"
    settings.S3_SECRET_ACCESS_KEY = settings.S3_SECRET_ACCESS_KEY or "testing"
    bucket = f"etl-{uuid.uuid4().hex[:12]}"
    settings.S3_CMS_BUCKET = bucket
    reset_s3_client()
    s3_client().create_bucket(Bucket=bucket)
    yield ObjectStore(bucket)
    reset_s3_client()


class ObjectStore:
    def __init__(self, bucket: str, local_root=None):
        self.bucket = bucket
        self.local_root = local_root

    def put(self, key: str, body) -> str:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        if self.local_root is not None:
            path = self.local_root / self.bucket / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        else:
            s3_client().put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def delete(self, key: str) -> None:
        if self.local_root is not None:
            (self.local_root / self.bucket / key).unlink()
        else:
            s3_client().delete_object(Bucket=self.bucket, Key=key)

    def cms(self, movie_id, language: str, description: str, actors=None, prefix: str = "cms") -> str:
        document = {"movie_id": movie_id, "language": language, "description": description}
        if actors is not None:
            document["actors"] = actors
        return self.put(f"{prefix}/{movie_id}/{language}.json", document)

    @property
    def cms_url(self) -> str:
        return f"s3://{self.bucket}/cms"


@pytest.fixture
def feed_file(tmp_path):
    """write(records or raw bytes) -> path of a feed file."""
    counter = iter(range(1000))

    def write(records) -> str:
        path = tmp_path / f"feed-{next(counter)}.json"
        path.write_bytes(records if isinstance(records, bytes) else json.dumps(records, ensure_ascii=False).encode())
        return str(path)

    return write
