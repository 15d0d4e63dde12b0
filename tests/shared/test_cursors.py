"""Page cursors: what the service issued reads back; anything else is InvalidCursor, never another error."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.shared.cursors import PageCursors
from domain.errors import InvalidCursor

CURSORS = PageCursors(key=b"a key for the cursor tests")
ID = uuid.UUID("6f1c1b5e-3f7a-4c4e-9b1d-2a0f4c8e9d10")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# The service's times come from the database, in UTC or a fixed offset (named zones' DST gaps hold times
# that never happened, which compare oddly and are never issued).
FIXED_OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.datetimes(timezones=FIXED_OFFSETS), st.uuids())
def test_an_issued_cursor_reads_back_as_the_same_instant(at: datetime, item_id: uuid.UUID) -> None:
    try:
        at.astimezone(UTC)
    except OverflowError:
        return  # never issued: the service's times are in UTC, read from the database
    moment, got = CURSORS.decode(CURSORS.encode(at, item_id))
    assert moment == at and moment.tzinfo is UTC and got == item_id


@pytest.mark.parametrize(
    "forged",
    [
        _b64(f"0001-01-01T00:00:00+01:00|{ID}"),  # once 500 on PostgreSQL: year 0 in UTC
        _b64(f"9999-12-31T23:59:59-14:00|{ID}"),  # once 500 on PostgreSQL: year 10000 in UTC
        _b64(f"2026-01-01T00:00:00+00:00|{ID}"),  # the old unsigned form, well formed but not issued
        "not-a-cursor",
        "",
        ".",
        "bm90IGEgY3Vyc29y",
        "MjAyNi0wMS0wMVQwMDowMDowMHwA",
    ],
)
def test_a_cursor_the_service_did_not_issue_is_refused(forged: str) -> None:
    with pytest.raises(InvalidCursor):
        CURSORS.decode(forged)


def test_a_cursor_signed_under_another_key_or_altered_is_refused() -> None:
    issued = CURSORS.encode(datetime(2026, 1, 1, tzinfo=UTC), ID)
    with pytest.raises(InvalidCursor):
        PageCursors(key=b"another key").decode(issued)
    body, _, mac = issued.partition(".")
    later = _b64(f"2027-01-01T00:00:00+00:00|{ID}")
    for altered in (f"{later}.{mac}", f"{body}.{mac[:-2]}", f"{body}.{mac}A", body, f"{body}..{mac}"):
        with pytest.raises(InvalidCursor):
            CURSORS.decode(altered)


def test_a_signed_date_out_of_range_is_still_refused() -> None:
    # Defence in depth: should a signed cursor ever hold such a date, it is refused, not passed on.
    for at in (
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),
    ):
        with pytest.raises(InvalidCursor):
            CURSORS.decode(CURSORS.encode(at, ID))
    with pytest.raises(InvalidCursor):  # a time without a zone
        CURSORS.decode(CURSORS.encode(datetime(2026, 1, 1), ID))


@given(st.text(max_size=200))
def test_decoding_any_text_gives_a_position_or_invalid_cursor(text: str) -> None:
    try:
        CURSORS.decode(text)
    except InvalidCursor:
        pass


@given(st.binary(max_size=120), st.binary(max_size=40))
def test_decoding_any_bytes_gives_invalid_cursor(payload: bytes, mac: bytes) -> None:
    forged = base64.urlsafe_b64encode(payload).decode() + "." + base64.urlsafe_b64encode(mac).decode()
    with pytest.raises(InvalidCursor):
        CURSORS.decode(forged)


def _signed(payload: bytes) -> str:
    # As if the key had leaked: the form and range checks alone must still hold.
    mac = CURSORS._mac(payload)
    return f"{base64.urlsafe_b64encode(payload).decode()}.{base64.urlsafe_b64encode(mac).decode()}"


@given(st.binary(max_size=120) | st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_even_a_signed_payload_of_any_bytes_gives_a_position_or_invalid_cursor(payload: bytes) -> None:
    try:
        moment, _ = CURSORS.decode(_signed(payload))
    except InvalidCursor:
        return
    assert moment.tzinfo is UTC


@given(st.datetimes(), st.integers(-23 * 60 - 59, 23 * 60 + 59), st.uuids())
def test_even_a_signed_date_at_any_offset_gives_a_position_or_invalid_cursor(
    at: datetime, minutes: int, item_id: uuid.UUID
) -> None:
    stamped = at.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    try:
        moment, _ = CURSORS.decode(_signed(f"{stamped.isoformat()}|{item_id}".encode()))
    except InvalidCursor:
        return
    assert moment == stamped and moment.tzinfo is UTC


def test_a_cursor_written_for_one_list_is_refused_by_another() -> None:
    # Found by a retest of issue 23: a trail cursor was read by the accounts' list, and one account's trail
    # cursor by another's, as a position (nothing leaked, but the service had not issued it for that list).
    issued = CURSORS.encode(datetime(2026, 1, 1, tzinfo=UTC), ID, of="trail:one")
    assert CURSORS.decode(issued, of="trail:one")[1] == ID
    for other in ("trail:two", "users", ""):
        with pytest.raises(InvalidCursor):
            CURSORS.decode(issued, of=other)
