"""Sentence builders: escaping, citations, number and date formats."""

import datetime as dt

import pypandoc
import pytest

from analysis import narrative


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "**bold** _it_ `code` [link](http://x) $x$ @cite #head | pipe ~sub~ ^sup^",
    ],
)
def test_md_escape_keeps_hostile_text_inert_in_html(hostile):
    html = pypandoc.convert_text(narrative.md_escape(hostile), "html", format="markdown")
    assert "<script" not in html and "<img" not in html
    assert "<strong>" not in html and "<em>" not in html and "<code>" not in html
    assert "<a " not in html
    assert "&lt;" in html or "**" in html


def test_md_escape_round_trips_to_the_same_plain_text():
    text = "Kim–Xi <summit> [2018] *5* #1 | a_b $3 @x ~y^z & more"
    plain = pypandoc.convert_text(narrative.md_escape(text), "plain", format="markdown")
    assert plain.strip() == text


def test_md_escape_in_typst_output_is_text():
    typ = pypandoc.convert_text(
        narrative.md_escape("#set page(width: 1cm) $x$ <b>"), "typst", format="markdown"
    )
    assert not typ.lstrip().startswith("#set")


def test_md_escape_flattens_lines_and_handles_missing():
    assert narrative.md_escape("a\n\n# b") == "a \\# b"
    assert narrative.md_escape(None) == ""
    assert narrative.md_escape(float("nan")) == ""


def test_cite_orders_and_dedupes_and_refuses_bad_keys():
    assert narrative.cite(["b", "a", "b", "", None]) == "[@b; @a]"
    assert narrative.cite([]) == ""
    with pytest.raises(ValueError):
        narrative.cite(["x]; <script>"])


def test_with_cite_goes_before_the_full_stop():
    assert narrative.with_cite("It rose.", ["s"]) == "It rose [@s]."
    assert narrative.with_cite("It rose.", []) == "It rose."


def test_numbers_and_dates():
    assert narrative.fmt_usd_m(2295.38) == "US$2,295 million"
    assert narrative.fmt_usd_m(34.4) == "US$34.4 million"
    assert narrative.fmt_usd_m(34.0) == "US$34 million"
    assert narrative.fmt_usd_m(-4.7) == "−US$4.7 million"
    assert narrative.fmt_pct(98.3) == "98.3%"
    assert narrative.fmt_change(25.46) == "up 25.5%"
    assert narrative.fmt_change(-5.0) == "down 5.0%"
    assert narrative.fmt_change(0.01) == "unchanged"
    day = dt.date(2025, 9, 4)
    assert narrative.fmt_date(day) == "4 September 2025"
    assert narrative.fmt_date(day, "month") == "September 2025"
    assert narrative.fmt_date(day, "year") == "2025"
    assert narrative.iso(day, "month") == "2025-09"
    assert narrative.plural(1, "summit") == "1 summit"
    assert narrative.plural(0, "summit") == "0 summits"
    assert narrative.join_words(["a", "b", "c"]) == "a, b and c"


def test_first_clause_is_never_cut():
    assert narrative.first_clause("First part; second part.") == "First part"
    long = "word " * 60
    assert narrative.first_clause(long) == long.strip()
    assert "…" not in narrative.first_clause(long)
    bracket = "Staff return (announced 7 Apr; delegations came earlier); more later."
    assert (
        narrative.first_clause(bracket)
        == "Staff return (announced 7 Apr; delegations came earlier)"
    )


def test_md_table_and_issued_dates():
    table = narrative.md_table(["A", "B"], [["1", "2"]], align="lr")
    assert table.splitlines()[1] == "|:--|--:|"
    sources = {"s": {"issued": {"date-parts": [[2024, 10]]}}, "t": {}}
    assert narrative.issued(sources, "s") == dt.date(2024, 10, 1)
    assert narrative.issued(sources, "t") is None
    assert narrative.known_by(sources, "s", "2024-10-01")
    assert not narrative.known_by(sources, "s", "2024-09-30")
    assert narrative.known_by(sources, "missing", "2000-01-01")


def test_a_table_that_lists_everything_has_no_sentence_under_it():
    import pandas as pd

    from analysis import narrative

    three, many = pd.DataFrame({"a": range(3)}), pd.DataFrame({"a": range(21)})
    table, listed = narrative.listed_table(three, lambda rows: "| a |")
    assert table == "| a |" and len(listed) == 3
    table, listed = narrative.listed_table(many, lambda rows: "| a |")
    assert table == (
        "| a |\n\nOnly the latest 20 of 21 are listed here; the other one is in the brief's "
        "event table."
    )
    assert list(listed["a"]) == list(range(1, 21))  # the latest rows
