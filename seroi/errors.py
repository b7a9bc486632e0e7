"""Errors raised for bad user input: every problem is collected, none is hidden behind the first."""

from __future__ import annotations


class InputProblemsError(ValueError):
    """A file a user wrote has problems; `problems` lists each, prefixed by the file name."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ImpactMapError(InputProblemsError):
    """An impact map could not be read or is invalid."""


class ObservationsError(InputProblemsError):
    """An observations file (or a list of observations) is invalid."""
