"""The site's URLs plus /_bench/ok/, the baseline every figure is a ratio to."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler500
from config.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "handler500", "urlpatterns"]


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("_bench/ok/", ok), *site_urlpatterns]
