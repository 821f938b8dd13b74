"""A real SMTP server on a loopback port (aiosmtpd), that a test stops, starts and holds.

The Celery worker under test talks to it with Django's SMTP backend, exactly as to a
production mail server.
"""

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

WAIT_SECONDS = 30


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """Accepts every message and keeps it, while running; refuses connections while stopped.

    hold_reply() makes it keep its answer to the next message's DATA until release(): the
    sender is then in the middle of the SMTP conversation, which is where a worker killed
    "mid-send" leaves it. With deliver=True the server has already delivered the message
    (kept it) when the sender dies, as a real server does once it has the whole message;
    with deliver=False it has not.
    """

    def __init__(self):
        self.port = free_loopback_port()
        self.data_received = threading.Event()
        self._hold = False
        self._deliver_held = True
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self._controller = None

    @property
    def messages(self):
        with self._lock:
            return list(self._messages)

    def start(self):
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._released.set()  # never leave a held handler behind
            self._controller.stop()
            self._controller = None

    def hold_reply(self, *, deliver):
        self._hold = True
        self._deliver_held = deliver

    def release(self):
        self._released.set()

    def wait_for_held_data(self):
        if not self.data_received.wait(WAIT_SECONDS):
            raise AssertionError(f"No message reached the SMTP server in {WAIT_SECONDS} s")

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        holding = self._hold and not self.data_received.is_set()
        if not holding or self._deliver_held:
            message = message_from_bytes(envelope.content, policy=policy.default)
            with self._lock:
                self._messages.append(message)
        if holding:
            self.data_received.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
            if not self._deliver_held:
                return "451 Requested action aborted: local error in processing"
        return "250 Message accepted for delivery"

    def wait_for_messages(self, count, *, worker=None):
        """Wait until count messages have arrived; more than that fails the test."""
        deadline = time.monotonic() + WAIT_SECONDS
        while len(self.messages) < count:
            if worker is not None and worker.process.poll() is not None:
                raise AssertionError(f"The worker exited. Its log:\n{worker.log()}")
            if time.monotonic() > deadline:
                log = f" The worker's log:\n{worker.log()}" if worker is not None else ""
                raise AssertionError(f"{len(self.messages)} of {count} e-mails arrived.{log}")
            time.sleep(0.1)
        messages = self.messages
        assert len(messages) == count, [m["Subject"] for m in messages]
        return messages
