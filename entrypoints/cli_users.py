"""`accounts users list|show|disable|enable|set-role|delete`: the administrators' operations, on the command line."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from application.administer_account import AccountChange
from application.find_users import UserSearch
from application.ports import SessionOrigin, UserFilter
from application.views import UserView
from domain.user import Role
from entrypoints.container import Container

# Where the trail says an operator's act on the command line came from: no client, no address.
COMMAND_LINE = SessionOrigin(device="command line")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = commands.add_parser("users", help="find accounts, disable or enable them, set their role")
    actions = users.add_subparsers(dest="users_command", required=True)
    listing = actions.add_parser("list", help="accounts, oldest first, a page at a time")
    listing.add_argument("--q", help="a prefix of the address or a name")
    listing.add_argument("--role", choices=[role.value for role in Role])
    listing.add_argument("--limit", type=int, default=50, choices=range(1, 1001), metavar="1..1000")
    listing.add_argument("--cursor", help="the next page's cursor, as the last run printed it")
    for name, what in (("show", "one account"), ("disable", "refuse the account's sign-ins and end its sessions"),
                       ("enable", "let a disabled account sign in again"),
                       ("delete", "erase the account as its owner's deletion does, and tell the address")):
        actions.add_parser(name, help=what).add_argument("id", type=uuid.UUID)
    set_role = actions.add_parser("set-role", help="make an account an administrator, or a user again")
    set_role.add_argument("id", type=uuid.UUID)
    set_role.add_argument("role", choices=[role.value for role in Role])


def _line(user: UserView) -> str:
    state = "disabled" if user.disabled else ("verified" if user.is_verified else "unverified")
    return f"{user.id}  {user.email}  {user.role}  {state}  created {user.created_at:%Y-%m-%d %H:%M}"


async def run(args: argparse.Namespace,
              container_of: Callable[[], AbstractAsyncContextManager[Container]]) -> str:
    async with container_of() as container:
        if args.users_command == "list":
            search = UserSearch(UserFilter(prefix=args.q, role=Role(args.role) if args.role else None),
                                args.limit, args.cursor)
            page = await container.find_users().execute(search)
            lines = [_line(user) for user in page.items] or ["no accounts"]
            if page.next_cursor:
                lines.append(f"more: accounts users list --cursor {page.next_cursor}")
            return "\n".join(lines)
        if args.users_command == "show":
            return _line(await container.get_account().execute(args.id))
        if args.users_command == "delete":
            await container.delete_account().execute(args.id, origin=COMMAND_LINE)
            return f"deleted account {args.id}"
        change = {"disable": AccountChange(args.id, disabled=True, origin=COMMAND_LINE),
                  "enable": AccountChange(args.id, disabled=False, origin=COMMAND_LINE),
                  "set-role": AccountChange(args.id, role=Role(getattr(args, "role", "user")), origin=COMMAND_LINE),
                  }[args.users_command]
        return _line(await container.administer_account().execute(change))
