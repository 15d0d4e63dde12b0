"""`accounts users list|show|disable|enable|set-role|delete`: the administrators' operations, on the command
line."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from application.admin.administer_account import AccountChange, no_such_account
from application.admin.describe_account import AccountDetails
from application.admin.find_users import UserSearch
from domain.trail import SessionOrigin
from domain.user import Role, UserFilter
from domain.views import UserView
from entrypoints.container import Container

# Where the trail says an operator's act on the command line came from: no client, no address.
COMMAND_LINE = SessionOrigin(device="command line")
ACCOUNT = "ID_OR_EMAIL"
ACCOUNT_HELP = "the account's id, or its email address"


class NotDone(Exception):
    """Nothing was changed: the account was not found, or its deletion was not confirmed."""


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = commands.add_parser("users", help="find accounts, disable or enable them, set their role")
    actions = users.add_subparsers(dest="users_command", required=True)
    listing = actions.add_parser("list", help="accounts, oldest first, a page at a time")
    listing.add_argument("--q", help="a prefix of the address or a name")
    listing.add_argument("--role", choices=[role.value for role in Role], help="only accounts with this role")
    # Tri-state as in GET /api/v1/users: --verified, --no-verified, or neither for both.
    listing.add_argument(
        "--verified",
        action=argparse.BooleanOptionalAction,
        help="only verified accounts (--no-verified: only unverified ones)",
    )
    listing.add_argument(
        "--disabled",
        action=argparse.BooleanOptionalAction,
        help="only disabled accounts (--no-disabled: only enabled ones)",
    )
    listing.add_argument(
        "--limit",
        type=int,
        default=50,
        choices=range(1, 1001),
        metavar="1..1000",
        help="accounts per page (default 50)",
    )
    listing.add_argument("--cursor", help="the next page's cursor, as the last run printed it")
    for name, what in (
        ("show", "one account: its sessions, second factors, suppression and last sign-in"),
        ("disable", "refuse the account's sign-ins and end its sessions"),
        ("enable", "let a disabled account sign in again"),
        ("delete", "erase the account as its owner's deletion does, and tell the address"),
        ("reset-mfa", "remove every second factor (app, recovery codes, passkeys), and tell the owner"),
    ):
        action = actions.add_parser(name, help=what)
        action.add_argument("account", metavar=ACCOUNT, help=ACCOUNT_HELP)
        if name == "delete":
            action.add_argument(
                "--yes",
                action="store_true",
                help="delete without asking to type the address (needed when not at a terminal)",
            )
    set_role = actions.add_parser("set-role", help="make an account an administrator, or a user again")
    set_role.add_argument("account", metavar=ACCOUNT, help=ACCOUNT_HELP)
    set_role.add_argument("role", choices=[role.value for role in Role], help="the role it gets")


def _line(user: UserView) -> str:
    state = "disabled" if user.disabled else ("verified" if user.is_verified else "unverified")
    return f"{user.id}  {user.email}  {user.role}  {state}  created {user.created_at:%Y-%m-%d %H:%M}"


def _details(found: AccountDetails) -> str:
    user = found.user
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or "-"
    rows = [
        ("name", name),
        ("username", user.username or "-"),
        ("language", user.locale or "-"),
        ("sessions", str(found.sessions)),
        ("second factors", ", ".join(found.factors) or "none"),
        (
            "email",
            "deliverable"
            if found.email_deliverable
            else "suppressed: no email goes to it (`accounts suppressions list` says why)",
        ),
        ("last sign-in", f"{found.last_sign_in:%Y-%m-%d %H:%M} UTC" if found.last_sign_in else "never"),
    ]
    return "\n".join([_line(user)] + [f"  {label + ':':16}{value}" for label, value in rows])


def _filters(args: argparse.Namespace) -> list[str]:
    named = [f"--q {shlex.quote(args.q)}"] if args.q else []
    named += [f"--role {args.role}"] if args.role else []
    for flag in ("verified", "disabled"):
        if getattr(args, flag) is not None:
            named.append(f"--{flag}" if getattr(args, flag) else f"--no-{flag}")
    return named


def _confirm_deletion(user: UserView) -> None:
    """The operator types the address back, as GitHub asks before deleting a repository: an id pasted from
    the wrong line deletes nobody."""
    if not sys.stdin.isatty():
        raise NotDone(
            f"not deleting {user.email} without confirmation: standard input is not a terminal; "
            "pass --yes to delete without asking"
        )
    print(
        f"This erases {user.email} ({user.id}) for good. Type its address to delete it: ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    typed = sys.stdin.readline().strip().lower()
    if typed != user.email.lower():
        raise NotDone("the address typed is not the account's: nothing deleted")


async def run(
    args: argparse.Namespace, container_of: Callable[[], AbstractAsyncContextManager[Container]]
) -> str:
    async with container_of() as container:
        if args.users_command == "list":
            wanted = UserFilter(
                prefix=args.q,
                role=Role(args.role) if args.role else None,
                verified=args.verified,
                disabled=args.disabled,
            )
            page = await container.find_users().execute(UserSearch(wanted, args.limit, args.cursor))
            lines = [_line(user) for user in page.items] or ["no accounts"]
            if (
                page.next_cursor
            ):  # the cursor goes on from where this search stopped: the same filters with it
                lines.append(
                    f"more: {' '.join(['accounts users list', *_filters(args)])} --cursor {page.next_cursor}"
                )
            return "\n".join(lines)
        user = await container.locate_account().execute(args.account)
        if user is None:
            if "@" not in args.account:
                raise no_such_account()
            raise NotDone(
                f"no account has the address {args.account}: `accounts users list --q PREFIX` finds accounts"
            )
        if args.users_command == "show":
            return _details(await container.describe_account().execute(user.id))
        if args.users_command == "delete":
            if not args.yes:
                _confirm_deletion(user)
            await container.delete_account().execute(user.id, origin=COMMAND_LINE)
            return f"deleted account {user.id} ({user.email})"
        if args.users_command == "reset-mfa":
            await container.reset_factors().execute(user.id, origin=COMMAND_LINE)
            return f"removed every second factor of account {user.id} ({user.email})"
        change = {
            "disable": AccountChange(user.id, disabled=True, origin=COMMAND_LINE),
            "enable": AccountChange(user.id, disabled=False, origin=COMMAND_LINE),
            "set-role": AccountChange(user.id, role=Role(getattr(args, "role", "user")), origin=COMMAND_LINE),
        }[args.users_command]
        return _line(await container.administer_account().execute(change))
