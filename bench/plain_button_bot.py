"""A plain python-telegram-bot button bot: the baseline that bench/latency.py runs beside seroi-bot.

    .venv/bin/python bench/plain_button_bot.py --api-url URL --token TOKEN

`/start` sends a prompt with four buttons (seroi-bot's language step has four). A press is
answered, then the prompt is edited into the next one with one button. Updates are
processed concurrently (`concurrent_updates(True)`), AIORateLimiter is on with its
defaults, `run_polling` polls until SIGINT or SIGTERM, and nothing is stored.
"""

from __future__ import annotations

import argparse
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

CHOICES = ("Suomi", "English", "Italiano", "Svenska")


async def prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start`: the first prompt, one button per choice."""
    rows = [[InlineKeyboardButton(name, callback_data=f"choice:{name}")] for name in CHOICES]
    await update.message.reply_text(
        "Welcome! Which language would you like to use?", reply_markup=InlineKeyboardMarkup(rows)
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press first (the spinner stops), then turn the prompt into the next one."""
    query = update.callback_query
    await query.answer()
    choice = query.data.partition(":")[2]
    await query.edit_message_text(
        f"You chose {choice}. Press Continue when you have read this.",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Continue", callback_data="next")]]
        ),
    )


def main() -> None:
    """Poll the Bot API at --api-url until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True, help="Bot API base URL, e.g. http://HOST/bot")
    parser.add_argument("--token", required=True)
    options = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    application = (
        ApplicationBuilder()
        .token(options.token)
        .base_url(options.api_url)
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter())
        .build()
    )
    application.add_handlers([CommandHandler("start", prompt), CallbackQueryHandler(pressed)])
    application.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0, timeout=10)


if __name__ == "__main__":
    main()
