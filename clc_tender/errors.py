"""Problems that stop a run (exit 2): light, so that any command can catch them."""

from __future__ import annotations


class InputError(Exception):
    """An officer's input (scores, decisions, register) cannot be used; stops the run."""

    def __init__(self, file: str, place: str, message: str) -> None:
        super().__init__(f"{file}: {place}: {message}" if place else f"{file}: {message}")
        self.file = file
        self.place = place


class Refusal(Exception):
    """What the officer asked for cannot be done (an option, an output, s.49): one line, exit 2."""
