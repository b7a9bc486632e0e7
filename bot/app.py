"""`build_application`: the one seam used by production, the sandbox demo and the tests.

Each feature declares its command rows and button rows; they are merged here, and
nowhere else. Handlers are registered in the order they match (the order matters): the
gate first (redeliveries), then the buttons (no message handler takes a press), every
command, each guarded by its row's role, and membership changes, then the catch-alls.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot.chat import buttons, gate
from bot.chat.commands import Button, Command, unique_by
from bot.chat.context import BotContext
from bot.chat.errors import on_error
from bot.chat.flood import FloodGuard
from bot.chat.invite_card import invite_card
from bot.chat.menus import set_default_menus
from bot.features.admin import handlers as admin
from bot.features.checkins import handlers as checkins
from bot.features.checkins.screens import load_scripts as load_checkin_scripts
from bot.features.contacts import handlers as contacts
from bot.features.help import handlers as help_feature
from bot.features.impact_map import handlers as impact_map
from bot.features.onboarding import handlers as onboarding
from bot.features.onboarding.joining import InviteAttempts
from bot.features.privacy import handlers as privacy
from bot.features.reports import handlers as reports
from bot.features.steps import handlers as steps
from bot.features.summaries import handlers as summaries
from bot.features.workshops import handlers as workshops
from bot.outbox import Outbox
from bot.pseudonym_keys import check_key
from bot.rendering import Renderer
from bot.scheduling import Clock, FileClock, tick
from bot.services import Services, services_of
from bot.settings import Settings
from bot.storage.db import Database

log = logging.getLogger(__name__)

# The features, in the order their commands appear in menus and /help.
FEATURES = (
    onboarding,
    help_feature,
    privacy,
    admin,
    impact_map,
    steps,
    checkins,
    summaries,
    reports,
    workshops,
)
COMMANDS: tuple[Command, ...] = tuple(
    unique_by((row for feature in FEATURES for row in feature.COMMANDS), "name").values()
)
BUTTONS: tuple[Button, ...] = tuple(
    unique_by(
        (row for feature in FEATURES for row in getattr(feature, "BUTTONS", ())), "action"
    ).values()
)

# What the tick does each time it runs (bot.scheduling).
DUE_WORK = tuple(work for feature in FEATURES for work in getattr(feature, "DUE", ()))
# What the features run at shutdown, before the outbox stops and the database closes.
ON_CLOSE = tuple(hook for feature in FEATURES for hook in getattr(feature, "ON_CLOSE", ()))

NETWORK_RETRIES = 4
UPDATE_CLEANUP_INTERVAL = timedelta(hours=6)


class ResilientRateLimiter(AIORateLimiter):
    """Telegram's flood limits and RetryAfter (AIORateLimiter), plus retries of lost calls.

    A call that timed out or met a 5xx is retried with a short backoff; errors that
    Telegram answered deliberately (400 Bad Request, 403 Forbidden) are not.
    """

    def __init__(self, *, throttle: bool) -> None:
        if throttle:
            super().__init__(max_retries=5)
        else:
            super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=5)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Run the call through the rate limiter, retrying lost calls a few times."""
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                # getUpdates has its own retry loop in the updater.
                if endpoint == "getUpdates" or attempt == NETWORK_RETRIES:
                    raise
                attempt += 1
                log.info("%s failed (%s); retry %d", endpoint, error, attempt)
                await asyncio.sleep(0.2 * 2 ** (attempt - 1))


def build_application(
    settings: Settings, *, request: BaseRequest | None = None, clock: Clock | None = None
) -> Application:
    """The bot, wired: handlers in matching order, storage opened at start, closed at stop.

    `clock` replaces the system's (the demo's compressed weeks, tests).
    """
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .context_types(ContextTypes(context=BotContext))
        .rate_limiter(ResilientRateLimiter(throttle=settings.rate_limit))
        .post_init(_open)
        .post_shutdown(_close)
    )
    if request is None:
        builder = builder.read_timeout(settings.telegram_timeout)
    else:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data["settings"] = settings
    if clock is None and settings.clock_file is not None:
        clock = FileClock(settings.clock_file)
    application.bot_data["clock"] = clock or Clock()
    application.bot_data["commands"] = COMMANDS
    application.bot_data["reprompt"] = onboarding.reprompt
    application.bot_data["invite_attempts"] = InviteAttempts()
    application.bot_data["invite_card"] = invite_card  # the workshops' join slide
    application.add_handlers(gate.before(resume=onboarding.resume, flood=FloodGuard()), group=-1)
    # Presses first: none of the message handlers after it could take one, and each press
    # would otherwise be offered to every command row in turn.
    application.add_handlers(buttons.handlers(BUTTONS), group=0)
    application.add_handlers(workshops.private_handlers(), group=0)  # before /start's row
    application.add_handlers(gate.commands(COMMANDS), group=0)
    application.add_handlers(contacts.handlers(), group=0)
    application.add_handlers(impact_map.handlers(), group=0)
    application.add_handlers(help_feature.handlers(), group=0)
    application.add_handlers(privacy.handlers(), group=1)
    application.add_handlers(onboarding.handlers(), group=2)
    # After contacts' my_chat_member handler (group 0), which looks at private chats only.
    application.add_handlers(workshops.handlers(), group=2)
    application.add_error_handler(on_error)
    return application


async def _open(application: Application) -> None:
    settings: Settings = application.bot_data["settings"]
    database = await Database.open(settings.db_path)
    services = application.bot_data["services"] = Services(
        settings=settings, db=database, clock=application.bot_data["clock"]
    )
    await check_key(services)
    application.bot_data["renderer"] = Renderer()
    outbox = application.bot_data["outbox"] = Outbox(database, application.bot, services.button_key)
    outbox.record_sent("checkin", services.checkins.record_message)
    outbox.on_poll_sent = workshops.poll_sent_hook(services, outbox)
    await outbox.start()
    application.job_queue.run_repeating(
        tick, interval=settings.tick_seconds, first=settings.tick_seconds, data=DUE_WORK
    )
    application.job_queue.run_repeating(
        _forget_old_updates, interval=UPDATE_CLEANUP_INTERVAL, first=UPDATE_CLEANUP_INTERVAL
    )
    await set_default_menus(application.bot, COMMANDS, settings.default_language)
    load_checkin_scripts()
    # What lives now (modules, handlers, caches) lives as long as the bot: leave it out of
    # the collector's full passes, which would otherwise walk it on every large tick.
    gc.collect()
    gc.freeze()


async def _forget_old_updates(context: BotContext) -> None:
    await context.services.db.forget_old_updates()


async def _close(application: Application) -> None:
    gc.unfreeze()  # so a process that starts the bot again (tests) can collect this one
    for hook in ON_CLOSE:
        await hook(application)
    if "renderer" in application.bot_data:
        application.bot_data["renderer"].close()
    if "outbox" in application.bot_data:
        await application.bot_data["outbox"].stop()
    if "services" in application.bot_data:
        await services_of(application).db.close()
