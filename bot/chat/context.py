"""The context every handler gets: the services, the outbox, the command table, the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message
from telegram.ext import CallbackContext, ExtBot

from bot.chat.caller import Caller
from bot.chat.commands import Command
from bot.outbox import Outbox
from bot.rendering import Renderer
from bot.services import Services, services_of

# Shows a person the onboarding question they are at (while joining, or one added since
# they joined), optionally in place of a message and after a hint; False when there is
# none. Provided by the onboarding feature and wired in `bot.app`, so other features
# (the check-in scheduler) need not import it.
Reprompt = Callable[["BotContext", Caller, str | None, Message | None], Awaitable[bool]]


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with typed ways to what the application wired up; one per update."""

    # Who sent the update, identified once by the gate (None for updates without a user).
    caller: Caller | None = None

    @property
    def services(self) -> Services:
        """The services of this application."""
        return services_of(self.application)

    @property
    def outbox(self) -> Outbox:
        """Where replies go to be sent."""
        return self.application.bot_data["outbox"]

    @property
    def renderer(self) -> Renderer:
        """Where charts are drawn, outside the event loop."""
        return self.application.bot_data["renderer"]

    @property
    def commands(self) -> tuple[Command, ...]:
        """The merged command table of this application."""
        return self.application.bot_data["commands"]

    async def reprompt(
        self, caller: Caller, hint: str | None = None, *, replacing: Message | None = None
    ) -> bool:
        """Show the caller the step they are at, after `hint`; False if they are at none."""
        show: Reprompt = self.application.bot_data["reprompt"]
        return await show(self, caller, hint, replacing)
