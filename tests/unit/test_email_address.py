import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.email import Email
from domain.errors import InvalidEmail


@pytest.mark.parametrize("raw, normal", [
    ("Ada@Example.COM", "ada@example.com"),
    ("  ada@example.com\t", "ada@example.com"),
    ("ada@bücher.example", "ada@xn--bcher-kva.example"),
])
def test_addresses_are_normalised(raw: str, normal: str) -> None:
    assert Email.parse(raw).value == normal


@pytest.mark.parametrize("raw", ["", "ada", "ada@", "@example.com", "ada@example", "a@b@example.com",
                                 "ada@example.com\r\nBcc: eve@example.com", "a..b@example.com",
                                 "ada@-example.com", "x" * 65 + "@example.com"])
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
