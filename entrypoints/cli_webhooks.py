"""`accounts webhooks add|list|remove|test`: the subscriptions of other services to account events."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from application.webhooks.add_webhook import SUBSCRIBABLE
from entrypoints.container import Container


class WebhookTestFailed(Exception):
    """`accounts webhooks test` exits 1 when the event was not sent, or the receiver did not take it."""


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    webhooks = commands.add_parser("webhooks", help="subscriptions of other services to account events")
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True)
    add = actions.add_parser("add", help="subscribe a URL to event types; prints its signing secret, once")
    add.add_argument("--url", required=True, help="https URL of the receiver")
    add.add_argument("--events", required=True, help="comma-separated: " + ", ".join(sorted(SUBSCRIBABLE)))
    actions.add_parser("list", help="every subscription, its events and state")
    remove = actions.add_parser("remove", help="remove a subscription and its deliveries still waiting")
    remove.add_argument(
        "id", type=uuid.UUID, help="the subscription's id, as `accounts webhooks list` shows it"
    )
    test = actions.add_parser("test", help="send a signed webhook.test event now and show the answer")
    test.add_argument(
        "id", type=uuid.UUID, help="the subscription's id, as `accounts webhooks list` shows it"
    )


async def run(
    args: argparse.Namespace, container_of: Callable[[], AbstractAsyncContextManager[Container]]
) -> str:
    async with container_of() as container:
        if args.webhooks_command == "add":
            added = await container.add_webhook().execute(args.url, args.events.split(","))
            return (
                f"added webhook {added.webhook.id} for {', '.join(added.webhook.events)}\n"
                f"signing secret (shown only now; verify webhook-signature with it): {added.secret}"
            )
        if args.webhooks_command == "remove":
            await container.remove_webhook().execute(args.id)
            return f"removed webhook {args.id}"
        if args.webhooks_command == "test":
            outcome = await container.test_webhook().execute(args.id)
            if outcome.outcome == "refused":
                raise WebhookTestFailed(
                    f"refused before sending (the address is not allowed): {outcome.detail}"
                )
            said = f"answered {outcome.status}" if outcome.status is not None else "did not answer"
            told = f"the receiver {said}: {outcome.detail!r}"
            if not outcome.delivered:
                raise WebhookTestFailed(f"not delivered: {told}")
            return f"delivered: {told}"
        views = await container.list_webhooks().execute()
    return (
        "\n".join(
            f"{view.id}  {'active' if view.disabled_at is None else 'disabled: ' + str(view.disabled_reason)}"
            f"  {view.url}  {','.join(view.events)}"
            for view in views
        )
        or "no webhooks"
    )
