"""/api/v1/users: administration."""

from __future__ import annotations

from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, Query

from application.list_users import ListUsers, UserQuery
from application.views import UserView
from entrypoints.container import Container
from entrypoints.http.errors import COMMON_RESPONSES, ErrorBody
from entrypoints.http.schemas import UserPageOut
from entrypoints.http.security import require_admin

router = APIRouter(prefix="/api/v1/users", tags=["users"],
                   responses={**COMMON_RESPONSES, 401: {"model": ErrorBody}, 403: {"model": ErrorBody}})


@router.get("", response_model=UserPageOut)
@router.get("/", response_model=UserPageOut, include_in_schema=False)
@inject
async def list_users(
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    _admin: UserView = Depends(require_admin),
    use_case: ListUsers = Depends(Provide[Container.list_users]),
) -> UserPageOut:
    return UserPageOut.of(await use_case.execute(UserQuery(offset, limit)))
