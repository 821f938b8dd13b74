from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import views
from credentials import urls as credentials_urls

# The admin has no login form of its own: signing in goes through allauth's, so there is one
# login with one brute-force lockout (ACCOUNT_RATE_LIMITS), and later one place for MFA. Set
# before admin.site.urls is read below, which binds the view.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's documented hook

# Django's own 400 view re-runs the CSRF check, which fails again on an unreadable body.
handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico on documents without a <link rel=icon>, e.g. a PDF shown inline.
    path("favicon.ico", views.favicon),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portfolio.api.urls")),
    path("api/v1/", include("credentials.api.urls")),
    path("", include("portfolio.urls")),
    # A micro-credential's page also shows the learner's open application, which the
    # credentials app never reads: it is composed here and joins that app's namespace.
    path(
        "",
        include(
            (
                [
                    path(
                        "credentials/<slug:slug>/",
                        views.micro_credential_detail,
                        name="micro-credential-detail",
                    ),
                    *credentials_urls.urlpatterns,
                ],
                credentials_urls.app_name,
            )
        ),
    ),
    path("", include("assessments.urls")),
]

if settings.DEBUG:
    # Public media (avatars) in the embedded profile; evidence is never here, it has no URL.
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME
