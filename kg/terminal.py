"""Text as a terminal shows it: safe to print, and measured in columns.

What kg prints for a person (messages, the progress line, query tables) may
quote an article's file name or text, which is untrusted: a control character
in it must not drive the terminal, and a line or a table is laid out by the
columns its characters take, which are not their number (a CJK character
takes two, a combining accent none).
"""

from __future__ import annotations

from wcwidth import wcwidth


def terminal_text(text: str, lines: bool = False) -> str:
    """``text`` safe to print on a terminal: a character that is not printable
    (a control character above all: an article's file name may hold an escape
    sequence that would move the cursor or clear the screen) is shown as its
    Python escape, ``\\x1b``; with ``lines``, line breaks are kept."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or (lines and c == "\n") else repr(c)[1:-1]
                   for c in text)


def columns_of(char: str) -> int:
    """The columns a printable character takes on a terminal (``wcwidth``):
    two for a wide one (most CJK, emoji), none for a combining mark."""
    return max(wcwidth(char), 0)


def fitted(text: str, columns: int) -> str:
    """``text`` cut to at most ``columns`` terminal columns, padded to exactly
    that many with spaces where it is shorter."""
    if text.isascii():  # one column a character (printable text): most of what kg shows
        return text[:columns].ljust(columns)
    out, used = [], 0
    for char in text:
        width = columns_of(char)
        if used + width > columns:
            break
        out.append(char)
        used += width
    return "".join(out) + " " * (columns - used)


def width_of(text: str) -> int:
    """The columns ``text`` (printable, see ``terminal_text``) takes."""
    return len(text) if text.isascii() else sum(columns_of(c) for c in text)
