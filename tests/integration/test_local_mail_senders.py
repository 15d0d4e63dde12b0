"""The mail backends that need no server: console (the log), file (.eml files) and memory."""

import email
import email.policy
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.mail.console import ConsoleMailSender
from adapters.mail.file import FileMailSender
from adapters.mail.memory import MemoryMailSender
from domain.mail import DeliveryError, EmailContent, OutboxMessage

LINK = "http://localhost:8000/api/v1/auth/verify/abc.def"


def message() -> OutboxMessage:
    return OutboxMessage(
        "ada@example.com",
        EmailContent("Confirm", f"Open {LINK}", f"<a href='{LINK}'>x</a>"),
        datetime.now(UTC),
    )


async def test_the_console_backend_logs_the_email_with_its_link(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="accounts.mail"):
        await ConsoleMailSender().send(message())
    assert "To: ada@example.com" in caplog.text and LINK in caplog.text


async def test_the_file_backend_writes_an_eml_a_mail_client_opens(tmp_path: Path) -> None:
    sent = message()
    await FileMailSender(tmp_path / "mail", "noreply@example.com", "Bookly Accounts").send(sent)
    [path] = (tmp_path / "mail").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert (
        parsed["From"] == "Bookly Accounts <noreply@example.com>" and parsed["Message-ID"] == sent.message_id
    )
    assert LINK in parsed.get_body(("plain",)).get_content()


async def test_the_file_backend_says_which_setting_to_fix_when_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(DeliveryError, match="MAIL_FILE_DIR"):
        await FileMailSender(blocker, "noreply@example.com", "Bookly").send(message())


async def test_the_memory_backend_keeps_what_it_sent() -> None:
    sender = MemoryMailSender()
    await sender.send(sent := message())
    assert sender.sent == [sent]
