"""The site's URLs plus public media, which the browser tests' live server must serve too.

The tests keep public media in Django's in-memory storage (tests/settings.py) and run with
DEBUG off, so nothing else answers /media/: badge images and avatars would be 404s, which the
harness reports as console errors.
"""

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path

from config import urls as site_urls


def serve_public_media(request: HttpRequest, name: str) -> FileResponse:
    if not default_storage.exists(name):
        raise Http404(name)
    content_type, _ = mimetypes.guess_type(name)
    return FileResponse(default_storage.open(name), content_type=content_type)


urlpatterns = [
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", serve_public_media),
    *site_urls.urlpatterns,
]
