"""SHA-256 digests of files, read in chunks so no file is ever held whole in memory.

Stored files on any storage backend (the local folder, S3 through django-storages: only
`open` and reading are used), and uploads, which Django keeps in memory only up to
FILE_UPLOAD_MAX_MEMORY_SIZE and otherwise in a temporary file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.files.storage import Storage

# Large enough that hashing is not dominated by per-read overhead (S3 reads are ranged GETs
# buffered by boto3), small enough to be nothing next to a worker's memory.
CHUNK_SIZE = 64 * 1024


def sha256_of_chunks(chunks: Iterable[bytes]) -> str:
    """The hex SHA-256 of the bytes `chunks` yields, one chunk at a time."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def sha256_of_stored_file(storage: Storage, name: str) -> str:
    """The hex SHA-256 of the stored file `name`; FileNotFoundError when it is not there."""
    with storage.open(name, "rb") as handle:
        return sha256_of_chunks(handle.chunks(CHUNK_SIZE))
