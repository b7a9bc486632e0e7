"""An offline Telegram: a Bot API emulator for demos, tests and benchmarks."""
