import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.email import Email
from domain.errors import InvalidEmail


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com\t", "ada@example.com"),
        ("ada@bücher.example", "ada@xn--bcher-kva.example"),
        ("ada@faß.de", "ada@xn--fa-hia.de"),  # IDNA 2008: not fass.de, someone else's domain
        ("ada@ＥＸＡＭＰＬＥ.com", "ada@example.com"),  # UTS 46 maps the full-width letters
    ],
)
def test_addresses_are_normalised(raw: str, normal: str) -> None:
    assert Email.parse(raw).value == normal


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "a@b@example.com",
        "ada@example.com\r\nBcc: eve@example.com",
        "a..b@example.com",
        "ada@-example.com",
        "x" * 65 + "@example.com",
        "ada@ex\u2024ample.com",  # ONE DOT LEADER: IDNA 2003 made it ex.ample.com
        "=?utf-8?q?a=2C_ceo=40victim=2Eexample=2C_b?=@attacker.example",
        "\udfff@example.com",
        "ada@exa\u200dmple.com",
    ],
)
def test_invalid_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        Email.parse(raw)


@given(st.text(max_size=80))
def test_parsing_any_text_either_refuses_it_or_gives_a_stable_normal_form(raw: str) -> None:
    try:
        email = Email.parse(raw)
    except InvalidEmail:
        return
    assert Email.parse(email.value) == email and "\n" not in email.value
