"""Coordinators' summaries: /summary, the weekly digest and `seroi-bot summary`."""
