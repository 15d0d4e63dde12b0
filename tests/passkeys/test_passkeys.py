"""Passkeys on the fakes, with the real ceremony (py_webauthn) and a software authenticator: registering,
the list, signing in without a password, and the signature counter rule."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from application.passkeys.register_passkey import PasskeyRegistration
from application.passkeys.sign_in_with_passkey import PasskeySignIn
from domain.errors import (
    AccountDisabled,
    AccountNotVerified,
    InvalidPasskey,
    NotFound,
    PasskeyAlreadyRegistered,
)
from domain.factors import Amr
from domain.passkeys import PasskeyView
from domain.trail import SecurityEventType
from tests.webauthn_authenticator import SoftAuthenticator, from_b64url
from tests.world import World

# The unit tests' settings name no DOMAIN: the relying party is localhost, served at localhost:8000.
ORIGIN = "http://localhost:8000"
ONE_PASSWORD = "bada5566-a7aa-401f-bd96-45619a55120d"


@pytest.fixture
async def world() -> World:
    return World()


async def account(world: World, email: str = "ada@example.com", verified: bool = True) -> uuid.UUID:
    user_id = (await world.sign_up(email)).id
    if verified:
        user = await world.account(email)
        user.verify_email(user.email)
        await world.save(user)
    return user_id


async def register(
    world: World, user_id: uuid.UUID, authenticator: SoftAuthenticator, name: str | None = None, **lie: Any
) -> PasskeyView:
    options = await world.start_passkey_registration().execute(user_id)
    credential = authenticator.register(options, origin=ORIGIN, **lie)
    return await world.register_passkey().execute(PasskeyRegistration(user_id, credential, name))


async def sign_in(world: World, authenticator: SoftAuthenticator, **lie: Any) -> Any:
    options = await world.start_passkey_sign_in().execute("203.0.113.7")
    credential = authenticator.assertion(options, origin=lie.pop("origin", ORIGIN), **lie)
    return await world.sign_in_with_passkey().execute(PasskeySignIn(credential, "203.0.113.7"))


def trail(world: World) -> list[SecurityEventType]:
    return [e.type for e in world.uow.store.security_events]


async def test_registration_names_a_known_authenticator_emails_the_owner_and_is_in_the_trail(
    world: World,
) -> None:
    ada = await account(world)
    passkey = await register(
        world, ada, SoftAuthenticator(aaguid=ONE_PASSWORD, backup_eligible=True, backed_up=True)
    )
    assert passkey.name == "1Password" and passkey.backed_up and passkey.last_used_at is None
    assert [p.id for p in await world.list_passkeys().execute(ada)] == [passkey.id]
    assert SecurityEventType.PASSKEY_ADDED in trail(world)
    added = world.uow.outbox_messages[-1]
    assert added.recipient == "ada@example.com" and added.content.subject == "passkey_added"


async def test_an_unknown_authenticator_is_a_passkey_and_a_given_name_wins(world: World) -> None:
    ada = await account(world)
    assert (await register(world, ada, SoftAuthenticator())).name == "Passkey"
    named = await register(world, ada, SoftAuthenticator(algorithm="EdDSA", aaguid=ONE_PASSWORD), "Laptop")
    assert named.name == "Laptop"


async def test_the_options_exclude_the_accounts_passkeys_and_ask_for_a_discoverable_one(
    world: World,
) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    options = await world.start_passkey_registration().execute(ada)
    assert [from_b64url(c["id"]) for c in options["excludeCredentials"]] == list(authenticator.credentials)
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert from_b64url(options["user"]["id"]) == ada.bytes and options["user"]["name"] == "ada@example.com"
    assert options["rp"] == {"id": "localhost", "name": "Bookly Accounts"}


async def test_a_registration_challenge_serves_once_its_own_account_and_five_minutes(
    world: World,
) -> None:
    ada, bob = await account(world), await account(world, "bob@example.com")
    options = await world.start_passkey_registration().execute(ada)
    credential = SoftAuthenticator().register(options, origin=ORIGIN)
    with pytest.raises(InvalidPasskey):  # bob cannot register with ada's challenge
        await world.register_passkey().execute(PasskeyRegistration(bob, credential))
    with pytest.raises(InvalidPasskey):  # and it was spent by the try
        await world.register_passkey().execute(PasskeyRegistration(ada, credential))
    options = await world.start_passkey_registration().execute(ada)
    credential = SoftAuthenticator().register(options, origin=ORIGIN)
    world.clock.advance(timedelta(minutes=5, seconds=1))
    with pytest.raises(InvalidPasskey):
        await world.register_passkey().execute(PasskeyRegistration(ada, credential))
    assert await world.list_passkeys().execute(ada) == []


async def test_a_credential_registered_already_is_a_conflict(world: World) -> None:
    ada, bob = await account(world), await account(world, "bob@example.com")
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    [taken] = authenticator.credentials
    with pytest.raises(PasskeyAlreadyRegistered):
        await register(world, bob, SoftAuthenticator(), credential_id=taken)


@pytest.mark.parametrize(
    "lie",
    [{"rp_id": "evil.example"}, {"client_data": {"origin": "https://evil.example"}}],
    ids=["another RP id", "another origin"],
)
async def test_a_registration_for_another_relying_party_is_refused(world: World, lie: Any) -> None:
    ada = await account(world)
    with pytest.raises(InvalidPasskey):
        await register(world, ada, SoftAuthenticator(), **lie)


async def test_a_passkey_with_user_verification_signs_in_with_two_factors(world: World) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator()
    passkey = await register(world, ada, authenticator)
    tokens = await sign_in(world, authenticator)
    claims = await world.access_tokens.decode(tokens.access_token)
    assert tokens.user.id == ada and claims.proof is not None
    assert claims.proof.amr == {Amr.HARDWARE_KEY, Amr.MFA}
    [stored] = world.uow.store.passkeys.values()
    assert stored.id == passkey.id and stored.sign_count == 1 and stored.last_used_at == world.clock.now()
    assert trail(world)[-2:] == [SecurityEventType.PASSKEY_USED, SecurityEventType.LOGIN_SUCCEEDED]


async def test_without_user_verification_a_passkey_is_one_factor(world: World) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator(user_verification=False)
    await register(world, ada, authenticator)
    tokens = await sign_in(world, authenticator)
    claims = await world.access_tokens.decode(tokens.access_token)
    assert claims.proof is not None and claims.proof.amr == {Amr.HARDWARE_KEY}


async def test_an_assertion_is_accepted_once(world: World) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    options = await world.start_passkey_sign_in().execute("")
    credential = authenticator.assertion(options, origin=ORIGIN)
    await world.sign_in_with_passkey().execute(PasskeySignIn(credential))
    with pytest.raises(InvalidPasskey):
        await world.sign_in_with_passkey().execute(PasskeySignIn(credential))


async def test_a_counter_that_does_not_move_is_refused_and_recorded_though_refused(world: World) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    await sign_in(world, authenticator, sign_count=5)
    for count in (5, 3, 0):
        with pytest.raises(InvalidPasskey):
            await sign_in(world, authenticator, sign_count=count)
    assert trail(world).count(SecurityEventType.PASSKEY_CLONE_DETECTED) == 3
    [stored] = world.uow.store.passkeys.values()
    assert stored.sign_count == 5
    await sign_in(world, authenticator, sign_count=6)  # the real one, counting on


async def test_an_authenticator_that_always_reports_zero_is_always_accepted(world: World) -> None:
    ada = await account(world)
    synced = SoftAuthenticator(always_zero=True, backup_eligible=True, backed_up=True)
    await register(world, ada, synced)
    for _ in range(3):
        await sign_in(world, synced)
    assert SecurityEventType.PASSKEY_CLONE_DETECTED not in trail(world)


@pytest.mark.parametrize(
    "lie",
    [
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
        {"user_handle": False},
        {"user_handle": uuid.uuid4().bytes},
    ],
    ids=["another origin", "another RP id", "no user handle", "another user handle"],
)
async def test_an_assertion_from_elsewhere_or_for_another_account_is_refused(
    world: World, lie: dict[str, Any]
) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    with pytest.raises(InvalidPasskey):
        await sign_in(world, authenticator, **lie)
    assert SecurityEventType.PASSKEY_USED not in trail(world)


async def test_an_unknown_passkey_and_an_expired_challenge_are_refused_alike(world: World) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    with pytest.raises(InvalidPasskey):
        stranger = SoftAuthenticator()
        await register(world, await account(world, "bob@example.com"), stranger)
        world.uow.store.passkeys.clear()
        await sign_in(world, stranger)
    await register(world, ada, authenticator := SoftAuthenticator())
    options = await world.start_passkey_sign_in().execute("")
    world.clock.advance(timedelta(minutes=6))
    with pytest.raises(InvalidPasskey):
        credential = authenticator.assertion(options, origin=ORIGIN)
        await world.sign_in_with_passkey().execute(PasskeySignIn(credential))


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"rawId": "!!!", "response": {"clientDataJSON": "e30"}},
        {"rawId": "AAAA", "response": {"clientDataJSON": "bm90IGpzb24"}},
        {"rawId": "AAAA", "response": []},
        {"rawId": 5, "response": {"clientDataJSON": None}},
    ],
)
async def test_garbage_is_an_invalid_passkey(world: World, credential: dict[str, Any]) -> None:
    with pytest.raises(InvalidPasskey):
        await world.sign_in_with_passkey().execute(PasskeySignIn(credential))


async def test_a_disabled_account_is_refused_as_login_refuses_it(world: World) -> None:
    ada = await account(world)
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    user = await world.account("ada@example.com")
    user.disable(world.clock.now())
    await world.save(user)
    with pytest.raises(AccountDisabled):
        await sign_in(world, authenticator)


async def test_another_accounts_passkey_is_not_found_and_removal_emails_the_owner(world: World) -> None:
    ada, bob = await account(world), await account(world, "bob@example.com")
    passkey = await register(world, ada, SoftAuthenticator())
    with pytest.raises(NotFound):
        await world.rename_passkey().execute(bob, passkey.id, "Mine")
    with pytest.raises(NotFound):
        await world.remove_passkey().execute(bob, passkey.id)
    assert (await world.rename_passkey().execute(ada, passkey.id, "Phone")).name == "Phone"
    await world.remove_passkey().execute(ada, passkey.id)
    assert await world.list_passkeys().execute(ada) == []
    removed = world.uow.outbox_messages[-1]
    assert removed.recipient == "ada@example.com" and removed.content.subject == "passkey_removed"
    assert trail(world)[-1] is SecurityEventType.PASSKEY_REMOVED


async def test_housekeeping_prunes_expired_challenges_only(world: World) -> None:
    ada = await account(world)
    await world.start_passkey_registration().execute(ada)
    world.clock.advance(timedelta(minutes=10))
    await world.start_passkey_sign_in().execute("")
    await world.housekeeping().execute()
    [(purpose, _, _)] = world.uow.store.webauthn_challenges.values()
    assert purpose == "authentication"


async def test_a_forged_assertion_with_a_low_counter_is_refused_but_is_no_clone(world: World) -> None:
    # py_webauthn judges the counter before the signature: the rule is applied after it, so a response
    # anyone could make from a credential id (a bad signature, a low count) is no sign of a copied key.
    ada = await account(world)
    authenticator = SoftAuthenticator()
    await register(world, ada, authenticator)
    await sign_in(world, authenticator, sign_count=9)
    options = await world.start_passkey_sign_in().execute("")
    forged = authenticator.assertion(options, origin=ORIGIN, sign_count=1)
    forged["response"]["signature"] = forged["response"]["signature"][::-1]
    with pytest.raises(InvalidPasskey):
        await world.sign_in_with_passkey().execute(PasskeySignIn(forged))
    assert SecurityEventType.PASSKEY_CLONE_DETECTED not in trail(world)


async def test_an_unverified_account_adds_no_passkey(world: World) -> None:
    # Someone who signed up with another's address must leave no way in for when its owner proves it.
    eve = await account(world, "ada@example.com", verified=False)
    with pytest.raises(AccountNotVerified):
        await world.start_passkey_registration().execute(eve)
    user = await world.account("ada@example.com")
    user.verify_email(user.email)
    await world.save(user)
    options = await world.start_passkey_registration().execute(eve)
    credential = SoftAuthenticator().register(options, origin=ORIGIN)
    user.is_verified = False
    await world.save(user)
    with pytest.raises(AccountNotVerified):
        await world.register_passkey().execute(PasskeyRegistration(eve, credential))


async def test_the_shared_check_serves_a_second_factor_for_its_own_account_only(world: World) -> None:
    # What /login/second-factor and /reauthenticate will ask: this account's passkey, handle or not.
    ada, bob = await account(world), await account(world, "bob@example.com")
    authenticator = SoftAuthenticator(user_verification=False)
    passkey = await register(world, ada, authenticator)
    check = world.passkey_assertion()
    options = await world.start_passkey_sign_in().execute("")
    with pytest.raises(InvalidPasskey):
        await check.verify(authenticator.assertion(options, origin=ORIGIN), expected_user=bob)
    options = await world.start_passkey_sign_in().execute("")
    verified = await check.verify(
        authenticator.assertion(options, origin=ORIGIN, user_handle=False), expected_user=ada
    )
    assert (verified.user_id, verified.passkey_id, verified.user_verified) == (ada, passkey.id, False)


async def test_webhooks_hear_of_a_first_passkey_and_of_the_last_one_removed(world: World) -> None:
    # Passkeys are second factors as an app is: user.mfa_enabled when one is the account's first factor,
    # user.mfa_disabled when the last factor goes, and not in between.
    ada = await account(world)

    def webhooks() -> list[str]:
        return [e.type for e in world.uow.store.events.values() if e.type.startswith("user.mfa")]

    first = await register(world, ada, SoftAuthenticator())
    second = await register(world, ada, SoftAuthenticator())
    assert webhooks() == ["user.mfa_enabled"]
    await world.remove_passkey().execute(ada, first.id)
    assert webhooks() == ["user.mfa_enabled"]
    await world.remove_passkey().execute(ada, second.id)
    assert webhooks() == ["user.mfa_enabled", "user.mfa_disabled"]
