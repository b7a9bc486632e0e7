"""One module per capability, each exposing `handlers()`; `bot.app` registers them in order."""
