import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class DisconnectingSMTPBackend(BaseEmailBackend):
    """Behaves like an SMTP server that drops every connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
