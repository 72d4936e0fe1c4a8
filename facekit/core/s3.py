"""Media on an S3-compatible service (AWS S3, MinIO, Ceph RGW, R2...), selected by
SAFEFACE_S3_BUCKET (settings.py); imported only where it is configured."""

from __future__ import annotations

import posixpath
import uuid

from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

from .storage import TEMPORARY_PREFIX


class AtomicS3Storage(S3Storage):
    """A bucket whose objects appear whole or not at all: each file is uploaded (in parts when
    large) under a temporary key in TEMPORARY_PREFIX, then copied into place and the temporary
    key deleted. A worker killed mid-upload leaves only a temporary key or an unfinished
    multipart upload, which the scheduled purge removes (storage.temporary_leftovers).
    Objects are private: the views serve them after their ownership checks."""

    def _save(self, name, content):
        # The extension stays, so the object gets its content type from it.
        try:
            temporary = super()._save(f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}-{posixpath.basename(name)}", content)
            client = self.connection.meta.client
            source = {"Bucket": self.bucket_name, "Key": self._normalize_name(temporary)}
            try:
                # A managed copy: on the server, in parts past its multipart threshold.
                client.copy(source, self.bucket_name, self._normalize_name(name), Config=self.transfer_config)
            finally:
                self.delete(temporary)
        except (BotoCoreError, ClientError) as exc:
            # What a full or unwritable disk is to local files: the callers' OSError handling applies.
            raise OSError(f"the media bucket did not take {name}: {exc}") from exc
        return name
