"""The mail service: console in development, SMTP when configured, an outbox copy, failures recorded."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage
from matchmaker.services.messaging import mail


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _configure_smtp(app, port: int) -> None:
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False
    )
    app.extensions["mailman"].backend = "smtp"
    app.extensions["mailman"].server = "127.0.0.1"
    app.extensions["mailman"].port = port
    app.extensions["mailman"].use_tls = False


def _send(app, make_user, recipient: str = "nguoi.nhan@demo.cantho.example"):
    with app.test_request_context():
        return mail.send_mail(
            recipient,
            "Xác nhận email",
            "verify_email",
            user=make_user(),
            link="http://x/l",
        )


def test_smtp_settings_send_real_mail(app, make_user, smtp_server):
    controller, inbox = smtp_server
    _configure_smtp(app, controller.port)
    record = _send(app, make_user)
    assert len(inbox.messages) == 1
    received = inbox.messages[0]
    assert received["To"] == "nguoi.nhan@demo.cantho.example"
    assert "http://x/l" in received.get_payload(decode=True).decode("utf-8")
    assert record.sent and record.error is None


def test_failed_delivery_is_recorded_not_raised(app, make_user):
    _configure_smtp(app, _free_port())  # nothing listens there
    record = _send(app, make_user)
    assert not record.sent and record.error
    assert db.session.scalar(sa.select(OutboxMessage.error)) == record.error


def test_console_backend_prints_the_message(app, make_user, capsys):
    app.extensions["mailman"].backend = "console"
    _send(app, make_user)
    printed = capsys.readouterr().out
    assert "nguoi.nhan@demo.cantho.example" in printed and "http://x/l" in printed


def test_no_outbox_copy_when_disabled(app, make_user):
    app.config["MAIL_KEEP_OUTBOX"] = False
    assert _send(app, make_user) is None
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
