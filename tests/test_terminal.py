"""Text kg prints for a person: escaped, and laid out by terminal columns."""

from __future__ import annotations

from kg.query import QueryOutput, format_result
from kg.terminal import fitted, terminal_text, width_of


def test_control_characters_are_shown_escaped_and_line_breaks_kept_only_when_asked():
    printable = "plain \u201cquoted\u201d caf\u00e9"
    assert terminal_text(printable) == printable
    assert terminal_text("a\x1b[2Jb\tc\nd") == "a\\x1b[2Jb\\tc\\nd"
    assert terminal_text("one\ntwo\x07", lines=True) == "one\ntwo\\x07"


def test_wide_and_combining_characters_are_measured_by_the_columns_they_take():
    assert width_of("Mira") == 4
    assert width_of("\u6620\u753b") == 4  # two wide characters
    assert width_of("Rene\u0301") == 4  # an accent that combines with the e
    assert fitted("\u6620\u753b\u8cde", 5) == "\u6620\u753b "  # a wide one never cut in half
    assert fitted("abc", 5) == "abc  " and fitted("abcdef", 4) == "abcd"


def test_a_query_table_escapes_its_cells_and_aligns_them_by_columns():
    table = format_result(QueryOutput("select", ["name", "work"], [
        ["Ines Varga", "Tin Harbor"],
        ["\u6797\u7f8e\u82b1", "Line one\nline two"],
        ["Evil\x1b[2J", ""],
    ]))
    lines = table.splitlines()
    assert len(lines) == 2 + 3 + 1  # header, rule, three rows, the count: no row broken
    assert "\x1b" not in table and "Evil\\x1b[2J" in table and "Line one\\nline two" in table
    # the second column starts at the same terminal column on every row
    starts = {width_of(line[: line.index(work)]) for line, work in
              zip(lines[2:4], ["Tin Harbor", "Line one"], strict=True)}
    assert len(starts) == 1
    assert lines[-1] == "(3 rows)"
