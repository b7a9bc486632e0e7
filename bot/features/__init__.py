"""One folder per capability: its handlers (Telegram only) and its use cases beside them."""
