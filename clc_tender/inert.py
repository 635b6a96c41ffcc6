"""Bidder text made inert for the officer's terminal and for CSV files.

A bidder types what it likes into a workbook, and may type control characters: an ANSI or
OSC escape sequence can recolour, retitle or rewrite the officer's terminal, and a bidi
override can make a reference read backwards. On the terminal every such character is shown
as a visible escape (``\\x1b``, ``\\u202e``); in a CSV file the C0 controls other than tab and
newline are dropped. Light: no third-party imports.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; the bidi embeddings, overrides, isolates and marks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CSV_DROPPED = re.compile("[\x00-\x08\x0b-\x1f]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: object, keep_newlines: bool = False) -> str:
    """Text as the terminal may show it: every control and bidi character escaped visibly."""
    value = str(text)
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in value.split("\n"))
    return _UNSAFE.sub(_escape, value)


def for_csv(text: str) -> str:
    """Text as a CSV field may hold it: C0 controls other than tab and newline dropped."""
    return _CSV_DROPPED.sub("", text)
