"""The site's URLs plus one view that fails, to see the 500 page as a visitor would."""

from django.urls import path

from config.urls import handler400, urlpatterns

handler500 = "config.views.server_error"


def broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken/", broken_view), *urlpatterns]
__all__ = ["handler400", "handler500", "urlpatterns"]
