"""The privacy feature."""
