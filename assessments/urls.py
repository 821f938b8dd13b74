from django.urls import path

from assessments.views import applying, reviewing

app_name = "assessments"

urlpatterns = [
    path("applications/", applying.application_list, name="application-list"),
    path("credentials/<slug:slug>/apply/", applying.application_start, name="application-start"),
    path("applications/<int:pk>/", applying.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", applying.application_edit, name="application-edit"),
    path("applications/<int:pk>/submit/", applying.application_submit, name="application-submit"),
    path(
        "applications/<int:pk>/withdraw/",
        applying.application_withdraw,
        name="application-withdraw",
    ),
    path("review/", reviewing.queue, name="queue"),
    path("review/<int:pk>/", reviewing.review, name="review"),
    path("review/<int:pk>/claim/", reviewing.claim, name="claim"),
    path("review/<int:pk>/release/", reviewing.release, name="release"),
    path(
        "review/evidence/<int:pk>/file/",
        reviewing.submitted_evidence_file,
        name="submitted-evidence-file",
    ),
    path(
        "review/evidence/<int:pk>/thumbnail/",
        reviewing.submitted_evidence_thumbnail,
        name="submitted-evidence-thumbnail",
    ),
]
