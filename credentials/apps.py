from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = "Credentials"

    def ready(self) -> None:
        from django.core.checks import Tags, register

        from credentials.checks import check_signing_secret

        # A deployment check (check --deploy): the embedded profile makes its own secret.
        register(check_signing_secret, Tags.security, deploy=True)

        # Declares the app's verbs, so the activity page can list every kind of event.
        from credentials import verbs  # noqa: F401
        from credentials.activity import (
            describe_contact_requests,
            describe_credentials,
            describe_invitations,
            describe_micro_credentials,
            describe_saved_searches,
            describe_share_links,
            describe_signing_keys,
            list_issuer_scopes,
        )
        from portfolio.activity import register_scopes, register_target

        # Issuer staff read their organisations' events on the activity page.
        register_scopes(list_issuer_scopes)
        register_target("credentials.issuedcredential", describe_credentials)
        register_target("credentials.contactrequest", describe_contact_requests)
        register_target("credentials.issuerinvitation", describe_invitations)
        register_target("credentials.microcredential", describe_micro_credentials)
        register_target("credentials.sharelink", describe_share_links)
        register_target("credentials.signingkey", describe_signing_keys)
        register_target("credentials.savedsearch", describe_saved_searches)

        # What this app adds to portfolio's inbox and admin roles, and who it tells about its
        # own events; portfolio never imports it.
        from credentials.notification_kinds import register_notification_kinds
        from credentials.permissions import grant_credentials_admin_permissions
        from credentials.subscribers import (
            subscribe_notifications,
            subscribe_page_cache,
            subscribe_signing,
            subscribe_status_lists,
            subscribe_transcript_cache,
        )

        register_notification_kinds()
        grant_credentials_admin_permissions()
        subscribe_notifications()
        subscribe_page_cache()
        subscribe_status_lists()
        subscribe_transcript_cache()
        subscribe_signing()

        # The catalogue is edited in the admin, without events: its cached pages follow saves.
        from credentials.catalogue_signals import connect_catalogue_signals

        connect_catalogue_signals()
        # Nor do accounts, profiles and credentials saved in the admin.
        from credentials.page_signals import connect_page_signals

        connect_page_signals()

        # The directory's search document follows the events that change what it holds.
        from credentials.directory.subscribers import connect_directory_signals, subscribe_directory

        subscribe_directory()
        connect_directory_signals()
