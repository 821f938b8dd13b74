from django.urls import path

from credentials.views import (
    baked_badges,
    bulk_issuance,
    catalogue,
    contact,
    credential_page,
    dids,
    directory,
    documents,
    file_check,
    invitations,
    my_credentials,
    open_badges_2,
    public,
    revoke,
    saved_searches,
    share_links,
    status_lists,
    verify,
)

app_name = "credentials"

urlpatterns = [
    path("p/<slug:slug>/", public.public_portfolio, name="public-portfolio"),
    # A learner's page through one of their share links (credentials.public).
    path("p/<slug:slug>/s/<str:token>/", public.shared_portfolio, name="shared-portfolio"),
    path(
        "p/<slug:slug>/s/<str:token>/contact/",
        contact.shared_contact_request_new,
        name="shared-contact-request-new",
    ),
    path("p/<slug:slug>/transcript.pdf", documents.public_transcript, name="public-transcript"),
    path("p/<slug:slug>/contact/", contact.contact_request_new, name="contact-request-new"),
    path("me/contact-requests/", contact.contact_request_list, name="contact-request-list"),
    path(
        "me/contact-requests/<int:pk>/",
        contact.contact_request_detail,
        name="contact-request-detail",
    ),
    path(
        "me/contact-requests/<int:pk>/decline/",
        contact.contact_request_decline,
        name="contact-request-decline",
    ),
    path("verify/", verify.verify, name="verify"),
    path("credentials/", catalogue.catalogue, name="catalogue"),
    path("directory/", directory.directory, name="directory"),
    path("directory/saved/new/", saved_searches.saved_search_new, name="saved-search-new"),
    path(
        "directory/saved/<int:pk>/delete/",
        saved_searches.saved_search_delete,
        name="saved-search-delete",
    ),
    # The link in every digest e-mail: stops that search's e-mails, without signing in.
    path(
        "directory/saved/unsubscribe/<str:token>/",
        saved_searches.saved_search_unsubscribe,
        name="saved-search-unsubscribe",
    ),
    path("c/<uuid:public_id>/", credential_page.credential_detail, name="credential-detail"),
    # The signed Open Badges 3.0 credential, to download (the page above also answers with it).
    path(
        "c/<uuid:public_id>.json",
        credential_page.credential_document,
        name="credential-document",
    ),
    # The badge image with the signed credential baked in (credentials.vc.baking).
    path("c/<uuid:public_id>/badge.png", baked_badges.baked_png, name="credential-baked-png"),
    path("c/<uuid:public_id>/badge.svg", baked_badges.baked_svg, name="credential-baked-svg"),
    # The same credential as a VC-JWT (EdDSA), signed for the request by the issuer's key.
    path("c/<uuid:public_id>.jwt", credential_page.credential_jwt, name="credential-jwt"),
    path(
        "c/<uuid:public_id>/certificate.pdf",
        documents.credential_certificate,
        name="credential-certificate",
    ),
    # Anyone who may see the credential checks a file against the digests it lists.
    path(
        "c/<uuid:public_id>/check-file/",
        file_check.credential_file_check,
        name="credential-file-check",
    ),
    path("c/<uuid:public_id>/revoke/", revoke.revoke_credential, name="credential-revoke"),
    # Bulk issuance by issuer staff (credentials.bulk_issuance): the list, then its progress.
    path(
        "credentials/<slug:slug>/issue-in-bulk/",
        bulk_issuance.bulk_issuance_new,
        name="bulk-issuance-new",
    ),
    path(
        "issuing/bulk/<uuid:public_id>/",
        bulk_issuance.bulk_issuance_detail,
        name="bulk-issuance-detail",
    ),
    path("me/credentials/", my_credentials.my_credentials, name="my-credentials"),
    path("me/share-links/", share_links.share_link_list, name="share-links"),
    path("me/share-links/revoke/", share_links.share_link_revoke, name="share-link-revoke"),
    path("me/transcript.pdf", documents.my_transcript, name="my-transcript"),
    path("me/clr.json", documents.my_learner_record, name="my-learner-record"),
    path("me/invitations/", invitations.invitation_list, name="invitation-list"),
    path(
        "me/invitations/<int:pk>/accept/",
        invitations.invitation_accept,
        name="invitation-accept",
    ),
    # did:web documents (credentials.vc.identity): the site's, and each issuer's.
    path(".well-known/did.json", dids.site_did_document, name="site-did"),
    path("issuers/<slug:slug>/did.json", dids.issuer_did_document, name="issuer-did"),
    # Signed Bitstring Status List credentials (credentials.vc.status_list): stable URLs that
    # issued credentials' credentialStatus entries point at.
    path(
        "status/<slug:slug>/<str:purpose>/<int:number>",
        status_lists.status_list,
        name="status-list",
    ),
    # Open Badges 2.0 hosted verification (credentials.vc.open_badges_2): stable URLs that
    # backpacks fetch, and the baked PNG that carries the assertion's URL.
    path(
        "ob2/assertions/<uuid:public_id>",
        open_badges_2.assertion,
        name="ob2-assertion",
    ),
    path(
        "ob2/assertions/<uuid:public_id>/badge.png",
        open_badges_2.baked_png,
        name="ob2-baked-png",
    ),
    path("ob2/badges/<int:pk>", open_badges_2.badge_class, name="ob2-badge-class"),
    path("ob2/issuers/<slug:slug>", open_badges_2.issuer, name="ob2-issuer"),
    # Our own JSON-LD context, which signed credentials name (credentials.vc.contexts).
    path(
        "ns/micro-credential/v1.jsonld",
        dids.micro_credential_context,
        name="context-micro-credential",
    ),
    # The sign-up link e-mailed to an invited address that has no account yet.
    path("invitations/<str:token>/", invitations.invitation_signup, name="invitation-signup"),
]
