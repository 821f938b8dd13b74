from django.urls import path

from portfolio.views import activity, evidence, notifications, profile

app_name = "portfolio"

urlpatterns = [
    path("me/profile/", profile.profile_edit, name="profile-edit"),
    path("me/portfolio/", profile.portfolio_curate, name="portfolio-curate"),
    path("me/email-settings/", notifications.email_settings, name="email-settings"),
    path("me/activity/", activity.activity, name="activity"),
    path("notifications/", notifications.notification_list, name="notification-list"),
    path("notifications/read/", notifications.mark_notifications_read, name="notifications-read"),
    path("evidence/", evidence.evidence_list, name="evidence-list"),
    path("evidence/new/<str:kind>/", evidence.evidence_create, name="evidence-create"),
    path("evidence/<int:pk>/", evidence.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/edit/", evidence.evidence_edit, name="evidence-edit"),
    path("evidence/<int:pk>/delete/", evidence.evidence_delete, name="evidence-delete"),
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence-file"),
    path("evidence/<int:pk>/thumbnail/", evidence.evidence_thumbnail, name="evidence-thumbnail"),
]
