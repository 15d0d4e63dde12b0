"""`accounts suppressions list|remove`: the addresses no email goes to any more."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from entrypoints.container import Container


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    suppressions = commands.add_parser("suppressions", help="addresses that bounced or complained")
    actions = suppressions.add_subparsers(dest="suppressions_command", required=True)
    actions.add_parser("list", help="the suppressed addresses, newest first, with why")
    actions.add_parser("remove", help="send to the address again").add_argument(
        "email", help="the suppressed address, as `accounts suppressions list` shows it"
    )


async def run(
    args: argparse.Namespace, container_of: Callable[[], AbstractAsyncContextManager[Container]]
) -> str:
    async with container_of() as container:
        if args.suppressions_command == "remove":
            await container.lift_suppression().execute(args.email)
            return f"{args.email} gets email again"
        listed = await container.list_suppressions().execute(limit=1000)
    return (
        "\n".join(f"{s.email}  {s.source.value}  {s.created_at:%Y-%m-%d %H:%M}  {s.reason}" for s in listed)
        or "no suppressed addresses"
    )
