"""Live workshops in a group chat: polls, attendance and results on the projector."""
