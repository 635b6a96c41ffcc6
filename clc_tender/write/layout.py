"""How tall a printed row must be for its wrapped text: shared by every workbook we write
(the shortlist, the letters' mail merge, the template), with no spreadsheet library."""

from __future__ import annotations

from collections.abc import Iterable

LINE_POINTS = 15  # the height of one line of 11-point Calibri
MAX_ROW_POINTS = 300


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapped cell of ``width`` characters: each of its
    lines, and as many more as its words need at that width (an estimate, as Excel's is)."""
    chars = max(int(width) - 1, 1)  # less the cell's padding
    if len(text) <= chars and "\n" not in text:  # most cells: one line, nothing to measure
        return 1
    total = 0
    for line in text.split("\n"):
        count, used = 1, 0
        for word in line.split(" "):
            size = len(word)
            if used and used + 1 + size <= chars:
                used += 1 + size
                continue
            if used:
                count += 1
            # a word longer than the line is broken across lines
            count += max(size - 1, 0) // chars
            used = (size - 1) % chars + 1 if size else 0
        total += count
    return total


def row_height(cells: Iterable[tuple[str, float]]) -> float | None:
    """The height (points) of a row whose wrapped cells are ``(text, column width)``: one line
    of 15 points for each line its tallest cell shows, at most 300; None for a one-line row."""
    lines = max((wrapped_lines(text, width) for text, width in cells if text), default=1)
    if lines <= 1:
        return None
    return float(min(lines * LINE_POINTS, MAX_ROW_POINTS))
