"""What the bot says and asks, as data, and the pure engine that walks it."""
