from django.urls import path

from credentials.views import (
    catalogue,
    credential_page,
    directory,
    invitations,
    my_credentials,
    public,
    revoke,
)

app_name = "credentials"

urlpatterns = [
    path("p/<slug:slug>/", public.public_portfolio, name="public-portfolio"),
    path("credentials/", catalogue.catalogue, name="catalogue"),
    path("directory/", directory.directory, name="directory"),
    path("c/<uuid:public_id>/", credential_page.credential_detail, name="credential-detail"),
    path("c/<uuid:public_id>/revoke/", revoke.revoke_credential, name="credential-revoke"),
    path("me/credentials/", my_credentials.my_credentials, name="my-credentials"),
    path("me/invitations/", invitations.invitation_list, name="invitation-list"),
    path(
        "me/invitations/<int:pk>/accept/",
        invitations.invitation_accept,
        name="invitation-accept",
    ),
    # The sign-up link e-mailed to an invited address that has no account yet.
    path("invitations/<str:token>/", invitations.invitation_signup, name="invitation-signup"),
]
