#!/bin/sh
# Creates the videos and CMS buckets in MinIO (compose service `minio-init`); safe to run again.
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
for bucket in "$S3_VIDEOS_BUCKET" "$S3_CMS_BUCKET"; do
  mc mb --ignore-existing "local/$bucket"
done
echo "buckets ready: $S3_VIDEOS_BUCKET $S3_CMS_BUCKET"
