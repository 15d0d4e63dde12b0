"""The shipped email templates, a deployment's override, and header safety of the built email."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from adapters.mail.mime import build_mime
from adapters.mail.templates import JinjaEmailRenderer
from domain.mail import DeliveryError, EmailContent, OutboxMessage

LINK = "https://accounts.example.com/api/v1/auth/verify/abc.def-ghi"


@pytest.mark.parametrize("template", ["verify_email", "reset_password"])
def test_a_link_email_carries_the_link_in_both_parts(template):
    content = JinjaEmailRenderer().render(template, {"name": "Ada", "link": LINK})

    assert LINK in content.text_body and LINK in content.html_body
    assert "Ada" in content.text_body and "Bookly Accounts" in content.subject
    assert "\n" not in content.subject


def test_the_reset_email_says_the_link_expires_and_can_be_ignored():
    text = JinjaEmailRenderer().render("reset_password", {"name": "", "link": LINK}).text_body

    assert "expires" in text and "ignore" in text


def test_the_admin_message_needs_no_values_and_names_the_product():
    content = JinjaEmailRenderer().render("admin_message", {"product": "Bookly"})

    assert "Bookly" in content.text_body and "Bookly" in content.html_body and content.subject


def test_html_in_a_name_is_escaped_in_the_html_part_only():
    name = "<script>alert(1)</script>"
    content = JinjaEmailRenderer().render("verify_email", {"name": name, "link": LINK})

    assert name not in content.html_body and "&lt;script&gt;" in content.html_body
    assert name in content.text_body  # plain text shows it as typed; nothing there runs it


def test_a_missing_value_fails_the_render():
    with pytest.raises(UndefinedError, match="link"):
        JinjaEmailRenderer().render("verify_email", {"name": "Ada"})


def test_a_templates_dir_overrides_a_shipped_template_file_by_file(tmp_path: Path):
    (tmp_path / "verify_email.subject.txt").write_text("Welcome to {{ product }},\r\nplease confirm\n")

    content = JinjaEmailRenderer(templates_dir=tmp_path).render("verify_email", {"name": "Ada", "link": LINK})

    assert content.subject == "Welcome to Bookly Accounts, please confirm"
    assert LINK in content.text_body  # the other parts still come from the shipped templates


@pytest.mark.parametrize(
    ("subject", "sender_name"),
    [
        ("Hello\r\nBcc: x@y", "Bookly Accounts"),
        ("Hello", "Bookly\r\nBcc: x@y"),
        ("Hello\nBcc: x@y", "Bookly Accounts"),
    ],
)
def test_a_line_break_in_a_header_cannot_add_a_header(subject, sender_name):
    message = OutboxMessage(
        recipient="reader@example.com",
        created_at=datetime.now(UTC),
        content=EmailContent(subject=subject, text_body="t", html_body="<p>h</p>"),
    )

    with pytest.raises(DeliveryError) as caught:
        build_mime(message, "noreply@bookly.test", sender_name)

    assert caught.value.permanent


@pytest.mark.parametrize(
    "recipient",
    [
        "=?utf-8?q?a=2C_ceo=40victim=2Eexample=2C_b?=@attacker.example",
        "a@x.example, ceo@victim.example",
        "no-at-sign",
    ],
)
def test_a_stored_address_cannot_become_other_recipients(recipient):
    message = OutboxMessage(
        recipient=recipient,
        created_at=datetime.now(UTC),
        content=EmailContent(subject="Hello", text_body="t", html_body="<p>h</p>"),
    )

    with pytest.raises(DeliveryError) as caught:
        build_mime(message, "noreply@bookly.test", "Bookly Accounts")

    assert caught.value.permanent


def test_the_to_header_names_the_one_recipient():
    message = OutboxMessage(
        recipient="ada@example.com",
        created_at=datetime.now(UTC),
        content=EmailContent(subject="Hello", text_body="t", html_body="<p>h</p>"),
    )

    mime = build_mime(message, "noreply@bookly.test", "Bookly, Accounts")

    assert [a.addr_spec for a in mime["To"].addresses] == ["ada@example.com"]
    assert [(a.display_name, a.addr_spec) for a in mime["From"].addresses] == [
        ("Bookly, Accounts", "noreply@bookly.test")
    ]


@pytest.mark.parametrize(
    ("seconds", "said"), [(3600, "1 hour"), (5400, "90 minutes"), (86400, "1 day"), (45, "45 seconds")]
)
def test_the_reset_email_says_how_long_its_link_lasts(seconds, said):
    content = JinjaEmailRenderer().render(
        "reset_password", {"name": "", "link": LINK, "valid_for": timedelta(seconds=seconds)}
    )

    assert f"expire in {said}" in content.text_body and f"expire in {said}" in content.html_body


# Issue 22: one line, the same in every code email of a language, that a reader finds with the mailbox's
# search (and the README quotes): the label, a space, the code.
CODE_LINE = {"en": "Your code: 123456", "fr": "Votre code : 123456", "de": "Ihr Code: 123456"}
CODE_EMAILS = {
    "verify_email": {"name": "Ada", "link": LINK, "code": "123456"},
    "reset_password": {"name": "Ada", "link": LINK, "code": "123456"},
    "existing_account": {"name": "Ada", "link": LINK, "code": "123456"},
    "confirm_new_email": {"name": "Ada", "link": LINK, "code": "123456"},
    "login_code": {"name": "Ada", "link": None, "code": "123456", "valid_for": timedelta(minutes=15)},
}


def _shown(html: str) -> str:
    """What a reader sees of an HTML part: its text, its whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("language", sorted(CODE_LINE))
@pytest.mark.parametrize("template", sorted(CODE_EMAILS))
def test_every_code_email_carries_the_same_searchable_line(template: str, language: str) -> None:
    content = JinjaEmailRenderer().render(template, CODE_EMAILS[template], locale=language)

    assert content.language == language
    assert CODE_LINE[language] in content.text_body.splitlines()
    assert CODE_LINE[language] in _shown(content.html_body)


@pytest.mark.parametrize("template", sorted(CODE_EMAILS))
def test_the_link_written_out_wraps_on_a_phone(template: str) -> None:
    values = {**CODE_EMAILS[template], "link": LINK}
    html = JinjaEmailRenderer().render(template, values).html_body

    written_out = re.findall(r'<a href="[^"]+"( style="[^"]*")?>' + re.escape(LINK) + "</a>", html)
    assert written_out and all("word-break: break-all" in style for style in written_out)
    assert "overflow-wrap: anywhere" in html.split("<body", 1)[1].split(">", 1)[0]


def test_the_readme_quotes_the_code_line_as_the_emails_write_it() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    label = CODE_LINE["en"].removesuffix("123456")

    assert f"`{label}...`" in readme and f"\n{label}482913\n" in readme  # the advice, and the sample email
