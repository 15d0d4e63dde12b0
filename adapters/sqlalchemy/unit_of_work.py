from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sqlalchemy.outbox import SqlAlchemyOutbox
from adapters.sqlalchemy.refresh_tokens import SqlAlchemyRefreshTokenRepository
from adapters.sqlalchemy.users import SqlAlchemyUserRepository


class SqlAlchemyUnitOfWork:
    """One session, one transaction; leaving the block without commit() rolls back."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        self._session = self._session_factory()
        self.users = SqlAlchemyUserRepository(self._session)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(self._session)
        self.outbox = SqlAlchemyOutbox(self._session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None
        await self._session.commit()
