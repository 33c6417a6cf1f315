#!/bin/sh
# minio-init (docker-compose.yml, minio profile): the bucket, the service's own user with read-write access to
# it (the server never holds the administrator's keys), and the 4-class demo under s3://astri/demo-4class/.
# Safe to run again: every step keeps what exists.
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing local/astri
if ! mc admin user info local "$MINIO_ASTRI_USER" >/dev/null 2>&1; then
  mc admin user add local "$MINIO_ASTRI_USER" "$MINIO_ASTRI_PASSWORD"
fi
mc admin policy attach local readwrite --user "$MINIO_ASTRI_USER" >/dev/null 2>&1 || true
mc mirror --overwrite /seed/demo-4class local/astri/demo-4class
echo "minio-init: bucket astri ready; register the demo with: astri ingest s3://astri/demo-4class --dataset demo-4class-s3"
