"""Stopping an oversized upload while it arrives, instead of after it has all been received."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler


class UploadTooLarge(Exception):
    """A file in the request body passed the upload limit; the rest was not read."""


class UploadSizeLimitHandler(FileUploadHandler):
    """Counts each file's bytes as they stream in and aborts past MAX_UPLOAD_BYTES.

    It comes first in FILE_UPLOAD_HANDLERS, so the memory and temporary-file handlers after
    it never hold more than the limit. The exception leaves the multipart parser (which
    only swallows its own StopUpload family) and is answered with a 413 page by
    config.middleware.RequestBodyLimitMiddleware, which reads the form before anything else.
    """

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)  # type: ignore[arg-type]  # passed straight through
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise UploadTooLarge
        return raw_data

    def file_complete(self, file_size: int) -> None:
        # The next handler builds the file; this one only counts.
        return None
