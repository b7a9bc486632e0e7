"""The Telegram adapter and the application: handlers, storage, scheduling, CLI."""
