"""Administration of the accounts (/api/v1/users): finding them, changing, disabling or deleting one,
its audit trail, ending its sessions."""

from __future__ import annotations

import uuid
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AfterValidator, BaseModel, Field

from application.account.account_trail import AccountTrail, TrailQuery
from application.admin.administer_account import AccountChange, AdministerAccount
from application.admin.delete_account import DeleteAccount
from application.admin.find_users import FindUsers, UserSearch, UserSearchPage
from application.admin.get_account import GetAccount
from application.admin.list_users import ListUsers, UserQuery
from application.admin.resend_account_verification import ResendAccountVerification
from application.admin.reset_factors import ResetFactors
from application.admin.revoke_account_sessions import RevokeAccountSessions
from application.shared.authenticate import Caller
from domain.user import Role, UserFilter
from domain.views import UserPage, UserView
from entrypoints.container import Container
from entrypoints.http.answers import (
    ADMIN,
    BAD_CURSOR,
    FRESH,
    INVALID,
    JSON_BODY,
    LAST_ADMIN,
    NOT_FOUND,
    UNAVAILABLE,
    answers,
)
from entrypoints.http.client_address import session_origin
from entrypoints.http.errors import N_, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.security import fresh_caller, require_admin
from entrypoints.http.shared import Cursor, Limit, MessageOut, Strict, TrailOut, UserOut, example, plain_text

router = APIRouter(prefix="/api/v1/users", tags=["admin"], dependencies=[Depends(require_admin)])
# Every route here is an administrator's, on an account named by id.
ONE_ACCOUNT = (INVALID, ADMIN, NOT_FOUND, UNAVAILABLE)


class UserPageOut(BaseModel):
    items: list[UserOut]
    total: int | None = Field(description="With offset paging only: the number of accounts")
    offset: int | None = Field(description="With offset paging only")
    limit: int
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last")

    @classmethod
    def of(cls, page: UserPage | UserSearchPage) -> UserPageOut:
        items = [UserOut.of(user) for user in page.items]
        if isinstance(page, UserSearchPage):
            return cls(items=items, total=None, offset=None, limit=page.limit, next_cursor=page.next_cursor)
        return cls(
            items=items, total=page.total, offset=page.offset, limit=page.limit, next_cursor=page.next_cursor
        )


class AccountChangeIn(Strict):
    model_config = example(disabled=True)

    role: Role | None = None
    disabled: bool | None = None
    is_verified: bool | None = None


@router.get("", response_model=UserPageOut, responses=answers(INVALID, BAD_CURSOR, ADMIN, UNAVAILABLE))
@router.get("/", response_model=UserPageOut, include_in_schema=False)
@inject
async def list_users(
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=254, description="a prefix of the address or a name"),
        AfterValidator(plain_text),
    ] = None,
    role: Annotated[Role | None, Query(description="only accounts with this role")] = None,
    verified: Annotated[
        bool | None, Query(description="only verified accounts (true) or unverified ones (false)")
    ] = None,
    disabled: Annotated[
        bool | None, Query(description="only disabled accounts (true) or enabled ones (false)")
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=200, description="the next_cursor of the page before")
    ] = None,
    offset: Annotated[
        int | None,
        Query(
            ge=0,
            le=1_000_000_000,
            description="Bookly's paging (GET /api/v1/users/?offset=40&limit=20), "
            "without filters: the answer has a total",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="accounts per page")] = 20,
    find: FindUsers = Depends(ProvideInLoop[Container.find_users]),
    list_all: ListUsers = Depends(ProvideInLoop[Container.list_users]),
) -> UserPageOut:
    """Oldest first. With a filter or a cursor, pages follow `next_cursor` (page 10,000 costs what page 1
    does); with neither, `offset` pages as Bookly did, with a total."""
    searching = cursor is not None or any(v is not None for v in (q, role, verified, disabled))
    if not searching:
        return UserPageOut.of(await list_all.execute(UserQuery(offset or 0, limit)))
    search = UserSearch(UserFilter(prefix=q, role=role, verified=verified, disabled=disabled), limit, cursor)
    return UserPageOut.of(await find.execute(search))


@router.get("/{user_id}", response_model=UserOut, responses=answers(ONE_ACCOUNT))
@inject
async def get_user(
    user_id: uuid.UUID, use_case: GetAccount = Depends(ProvideInLoop[Container.get_account])
) -> UserOut:
    """One account."""
    return UserOut.of(await use_case.execute(user_id))


@router.patch("/{user_id}", response_model=UserOut, responses=answers(ONE_ACCOUNT, JSON_BODY, LAST_ADMIN))
@inject
async def change_user(
    user_id: uuid.UUID,
    body: AccountChangeIn,
    request: Request,
    admin: UserView = Depends(require_admin),
    use_case: AdministerAccount = Depends(ProvideInLoop[Container.administer_account]),
) -> UserOut:
    """Disabling ends every session and refuses the account's access tokens at once; the last verified,
    enabled administrator cannot be demoted or disabled (409 last_admin)."""
    change = AccountChange(
        user_id,
        role=body.role,
        disabled=body.disabled,
        is_verified=body.is_verified,
        actor_id=admin.id,
        origin=session_origin(request),
    )
    return UserOut.of(await use_case.execute(change))


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(ONE_ACCOUNT, LAST_ADMIN)
)
@inject
async def delete_user(
    user_id: uuid.UUID,
    request: Request,
    admin: UserView = Depends(require_admin),
    use_case: DeleteAccount = Depends(ProvideInLoop[Container.delete_account]),
) -> Response:
    """As the owner's own deletion; never the last verified administrator (409 last_admin)."""
    await use_case.execute(user_id, actor_id=admin.id, origin=session_origin(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{user_id}/mfa", status_code=status.HTTP_204_NO_CONTENT, responses=answers(ONE_ACCOUNT, FRESH)
)
@inject
async def reset_mfa(
    user_id: uuid.UUID,
    request: Request,
    admin: UserView = Depends(require_admin),
    caller: Caller = Depends(fresh_caller),
    use_case: ResetFactors = Depends(ProvideInLoop[Container.reset_factors]),
) -> Response:
    """Removes every second factor of the account (its authenticator app, recovery codes and passkeys), for
    someone who lost them; needs the administrator's recent sign-in (401 reauthentication_required), is
    recorded in the account's trail with the administrator, and the owner is emailed."""
    await use_case.execute(user_id, actor_id=caller.user.id, origin=session_origin(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{user_id}/events", response_model=TrailOut, responses=answers(INVALID, BAD_CURSOR, ADMIN, UNAVAILABLE)
)
@inject
async def account_events(
    user_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
    trail: AccountTrail = Depends(ProvideInLoop[Container.account_trail]),
) -> TrailOut:
    """The account's audit trail, newest first (a deleted account's keeps its id, the types and the times)."""
    return TrailOut.of(await trail.execute(TrailQuery(user_id, limit, cursor)))


@router.post("/{user_id}/revoke-sessions", response_model=MessageOut, responses=answers(ONE_ACCOUNT))
@inject
async def revoke_sessions(
    user_id: uuid.UUID,
    request: Request,
    admin: UserView = Depends(require_admin),
    use_case: RevokeAccountSessions = Depends(ProvideInLoop[Container.revoke_account_sessions]),
) -> MessageOut:
    """Every session of the account ends: its refresh tokens at once, its access tokens within their TTL."""
    await use_case.execute(user_id, actor_id=admin.id, origin=session_origin(request))
    return MessageOut(message=translator(request)(N_("Every session of the account has ended.")))


@router.post(
    "/{user_id}/resend-verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
    responses=answers(ONE_ACCOUNT),
)
@inject
async def resend_verification(
    user_id: uuid.UUID,
    request: Request,
    use_case: ResendAccountVerification = Depends(ProvideInLoop[Container.resend_account_verification]),
) -> MessageOut:
    """A new verification email to the account's address, unless it is verified already."""
    await use_case.execute(user_id)
    return MessageOut(
        message=translator(request)(N_("If the address is not verified yet, a new link is on its way."))
    )
