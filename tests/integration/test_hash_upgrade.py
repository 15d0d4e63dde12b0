"""A Bookly user's bcrypt hash is replaced by argon2id at the first successful login."""

from datetime import UTC, datetime

import bcrypt

from application.sessions.login import Credentials
from domain.email import Email
from domain.user import User
from entrypoints.container import build_container, close_container
from tests.settings import service_settings


async def test_a_bcrypt_hash_is_upgraded_at_login_and_sessions_survive_it(database_url: str) -> None:
    container = build_container(service_settings(database_url, 25))
    legacy = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode()
    user = User(email=Email.parse("bookly@example.com"), password_hash=legacy, created_at=datetime.now(UTC))
    try:
        async with container.uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        await container.login().execute(Credentials("bookly@example.com", "correct horse"))
        async with container.uow() as uow:
            upgraded = await uow.users.get(user.id)
        assert upgraded is not None and upgraded.password_hash.startswith("$argon2id$")
        assert upgraded.password_changed_at is None  # the same password: no session was ended
        await container.login().execute(Credentials("bookly@example.com", "correct horse"))
    finally:
        await close_container(container)
