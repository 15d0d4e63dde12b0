"""MFA_REQUIRED_ROLES on the fakes: an account in such a role without a factor is refused everywhere but
where it enrols; with one, its token must carry mfa; everyone else pays no extra read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from application.shared.authenticate import Authenticate
from domain.email import Email
from domain.errors import MfaEnrollmentRequired, ReauthenticationRequired
from domain.factors import Amr, FactorSummary, Proof, TotpFactor
from domain.user import Role, User
from entrypoints.settings import Settings
from tests.fakes import FakeAccessTokens, FakeClock, FakeFactors, FakeRefreshTokens, FakeUnitOfWork, Store

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


class World:
    def __init__(self, role: Role, *, with_totp: bool = False) -> None:
        self.user = User(
            email=Email.parse("root@example.com"),
            password_hash="hash",
            created_at=NOW,
            role=role,
            is_verified=True,
        )
        self.store = Store()
        self.store.users[self.user.id] = self.user
        if with_totp:
            self.store.totp_factors[self.user.id] = TotpFactor(self.user.id, "sealed", NOW, confirmed_at=NOW)
        self.uow = FakeUnitOfWork(self.store)
        self.tokens = FakeAccessTokens()
        self.authenticate = Authenticate(
            uow=self.uow, access_tokens=self.tokens, clock=FakeClock(NOW), mfa_roles={Role.ADMIN}
        )

    async def token(self, *amr: Amr) -> str:
        family = uuid.uuid4()
        await FakeRefreshTokens(self.store.refresh_tokens, self.store.users).add(
            "h" + family.hex, self.user.id, family, NOW, NOW.replace(year=2027)
        )
        return await self.tokens.issue(self.user, NOW, NOW - NOW, family, Proof.of(NOW, *amr))


async def test_an_admin_without_a_factor_may_only_enrol() -> None:
    world = World(Role.ADMIN)
    token = await world.token(Amr.PASSWORD)
    with pytest.raises(MfaEnrollmentRequired):
        await world.authenticate.execute(token)
    with pytest.raises(MfaEnrollmentRequired):
        await world.authenticate.execute(token, roles={Role.ADMIN})
    assert (await world.authenticate.execute(token, enrolling=True)).user.id == world.user.id


async def test_an_admin_with_a_factor_needs_it_in_the_token() -> None:
    world = World(Role.ADMIN, with_totp=True)
    with pytest.raises(ReauthenticationRequired):
        await world.authenticate.execute(await world.token(Amr.PASSWORD))
    caller = await world.authenticate.execute(await world.token(Amr.PASSWORD, Amr.OTP, Amr.MFA))
    assert caller.user.id == world.user.id


@pytest.mark.parametrize(
    "role, amr", [(Role.USER, (Amr.PASSWORD,)), (Role.ADMIN, (Amr.HARDWARE_KEY, Amr.MFA))]
)
async def test_other_roles_and_tokens_with_mfa_cost_no_factor_read(
    role: Role, amr: tuple[Amr, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[uuid.UUID] = []
    summary = FakeFactors.summary

    async def counted(self: FakeFactors, user_id: uuid.UUID) -> FactorSummary:
        reads.append(user_id)
        return await summary(self, user_id)

    monkeypatch.setattr(FakeFactors, "summary", counted)
    world = World(role)
    assert (await world.authenticate.execute(await world.token(*amr))).user.id == world.user.id
    assert reads == []
    admin = World(Role.ADMIN)  # the control: the rule's one read, where it applies
    with pytest.raises(MfaEnrollmentRequired):
        await admin.authenticate.execute(await admin.token(Amr.PASSWORD))
    assert reads == [admin.user.id]


def test_the_setting_takes_role_names_and_refuses_others() -> None:
    def settings(value: str) -> Settings:
        return Settings(_env_file=None, JWT_SECRET="s" * 32, MFA_REQUIRED_ROLES=value)  # type: ignore[call-arg]

    assert settings("admin").MFA_REQUIRED_ROLES == [Role.ADMIN]
    assert settings(" Admin , user ").MFA_REQUIRED_ROLES == [Role.ADMIN, Role.USER]
    assert settings("").MFA_REQUIRED_ROLES == []
    with pytest.raises(ValidationError, match="MFA_REQUIRED_ROLES"):
        settings("root")
