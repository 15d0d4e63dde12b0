"""The FactorRepository port's contract: held by the fake and the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from domain.email import Email
from domain.factors import FactorSummary
from domain.user import User
from tests.ports.conftest import NOW


def new_user(address: str = "ada@example.com") -> User:
    return User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")


async def test_an_account_with_no_factor_has_an_empty_summary(uow: Any) -> None:
    user = new_user()
    async with uow:
        await uow.users.add(user)
        await uow.commit()
    async with uow:
        summary = await uow.factors.summary(user.id)
    assert summary == FactorSummary() and not summary.enabled and summary.methods == []
