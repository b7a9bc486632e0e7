"""All SQL of the bot, one module per aggregate. Writes run inside `Database.transaction()`."""
