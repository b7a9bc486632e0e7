"""SQLite storage: one connection, numbered migrations, repositories returning pydantic models."""
