import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class DisconnectingSMTPBackend(BaseEmailBackend):
    """Behaves like an SMTP server that drops every connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class VerboseRefusingSMTPBackend(BaseEmailBackend):
    """An SMTP server that refuses every message with a reply far longer than a log field."""

    REPLY = "Mailbox unavailable: " + "policy detail " * 60

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(554, self.REPLY)
