"""The peer for bench/load.py: fastapi-users with its documented SQLAlchemy + JWT bearer setup.

Bench-only: it runs from its own virtualenv (bench/peer/requirements.lock; fastapi-users pins an older
SQLAlchemy than the service), with the service's argon2id parameters, on a PostgreSQL database of its own.

    python bench/peer/app.py --port 8100 --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_peer
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import Depends, FastAPI
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.db import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from fastapi_users.password import PasswordHelper
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

SECRET = "benchmark-secret-" + "x" * 40


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


def build(database_url: str) -> FastAPI:
    engine = create_async_engine(database_url, pool_size=10, max_overflow=20)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    password_helper = PasswordHelper(
        PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),))
    )

    class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
        reset_password_token_secret = SECRET
        verification_token_secret = SECRET

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    async def get_user_db(
        session: AsyncSession = Depends(get_session),
    ) -> AsyncIterator[SQLAlchemyUserDatabase]:
        yield SQLAlchemyUserDatabase(session, User)

    async def get_user_manager(
        user_db: SQLAlchemyUserDatabase = Depends(get_user_db),
    ) -> AsyncIterator[UserManager]:
        yield UserManager(user_db, password_helper)

    backend = AuthenticationBackend(
        name="jwt",
        transport=BearerTransport(tokenUrl="auth/jwt/login"),
        get_strategy=lambda: JWTStrategy(secret=SECRET, lifetime_seconds=3600),
    )
    users = FastAPIUsers[User, uuid.UUID](get_user_manager, [backend])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.include_router(users.get_auth_router(backend), prefix="/auth/jwt")
    app.include_router(users.get_register_router(UserRead, UserCreate), prefix="/auth")
    app.include_router(users.get_reset_password_router(), prefix="/auth")
    app.include_router(users.get_verify_router(UserRead), prefix="/auth")
    app.include_router(users.get_users_router(UserRead, UserCreate), prefix="/users")
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    uvicorn.run(build(args.database_url), host="127.0.0.1", port=args.port, log_level="warning")
