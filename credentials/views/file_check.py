"""/c/<id>/check-file/: does this file match evidence the credential lists?

The file is hashed as it is read (in chunks: Django keeps an upload in memory only up to
FILE_UPLOAD_MAX_MEMORY_SIZE, then in a temporary file) and compared with the SHA-256 digests
the signed document publishes (credentials.vc.open_badges, `relatedResource`). Nothing is
stored and nothing changes, so a POST answers with the result directly.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from credentials.forms import FileCheckForm
from credentials.selectors import credential_pages
from portfolio.digests import CHUNK_SIZE, sha256_of_chunks


@require_http_methods(["GET", "HEAD", "POST"])
def credential_file_check(request: HttpRequest, public_id: UUID) -> HttpResponse:
    published = credential_pages.get_published_files(public_id=public_id, viewer=request.user)
    form = FileCheckForm(request.POST, request.FILES) if request.method == "POST" else None
    matches = None
    if form is not None and published.files and form.is_valid():
        digest = sha256_of_chunks(form.cleaned_data["file"].chunks(CHUNK_SIZE))
        matches = published.matching(digest)
    return render(
        request,
        "credentials/credential_file_check.html",
        {
            "public_id": public_id,
            "published": published,
            "form": form or FileCheckForm(),
            "matches": matches,
        },
    )
