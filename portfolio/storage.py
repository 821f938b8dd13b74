"""Where uploaded files go, and under which names.

Evidence lives in the "private" storage, which has no public URL: the file views check
permission and stream it. Names are random so nothing about the upload leaks through them.
"""

import uuid

from django.core.files.storage import Storage, storages
from django.db.models import Model
from django.utils import timezone


def private_storage() -> Storage:
    return storages["private"]


def _random_name(folder: str, filename: str) -> str:
    # The extension is the one the content inspector chose, never the uploader's.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def evidence_upload_to(instance: Model, filename: str) -> str:
    return _random_name("evidence", filename)


def thumbnail_upload_to(instance: Model, filename: str) -> str:
    return _random_name("thumbnails", filename)


def avatar_upload_to(instance: Model, filename: str) -> str:
    return _random_name("avatars", filename)
