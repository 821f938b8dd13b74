from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """Expose the configurable site name to every template."""
    return {"SITE_NAME": settings.SITE_NAME}
