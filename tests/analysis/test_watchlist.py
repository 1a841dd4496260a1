"""Watch list: status as of a date, date of last change, scorecard."""

import re

from analysis import watchlist
from tests.analysis import sample_tables as st


def _cur(as_of):
    view = st.view(as_of)
    return watchlist.current(view.watch_indicators, view.watch_status, as_of)


def test_untouched_at_the_sejong_date():
    cur = _cur("2024-10-21")
    assert watchlist.counts(cur)["moved"] == 0
    assert "0 of 4 watch-list items have moved" in watchlist.text(cur, "2024-10-21")


def test_since_is_the_start_of_the_current_status():
    cur = _cur("2026-02-01").set_index("indicator_id")
    assert str(cur.loc["yalu-bridge", "since"].date()) == "2025-12-11"
    assert str(cur.loc["yalu-bridge", "effective"].date()) == "2026-01-22"
    assert cur.loc["kim-visit-china", "status"] == "moved"


def test_scorecard_marks_sejong_items_and_escapes():
    status = st.watch_status()
    status.loc[0, "detail"] = "a | b <img src=x onerror=alert(1)>"
    view = st.view("2024-10-21", watch_status=status)
    cur = watchlist.current(view.watch_indicators, view.watch_status, "2024-10-21")
    table = watchlist.scorecard(cur)
    _header, _rule, *rows = table.split("\n\n")[0].splitlines()
    assert all(r.count(" | ") == 4 for r in rows)
    assert re.search(r"(?<!\\)<img", table) is None
    assert "\\<img" in table and "a \\| b" in table
    assert rows[0].startswith("| Kim visit to China †")
    assert "New UNSC sanctions †" not in table
    assert "Sejong Institute brief [@sejong-2024-11]" in table


def test_raised_by_later_source_is_not_cited():
    cur = _cur("2024-10-21")
    sources = {
        "sejong-2024-11": {"issued": {"date-parts": [[2024, 10, 21]]}},
        "src-b": {"issued": {"date-parts": [[2025, 1, 1]]}},
    }
    table = watchlist.scorecard(cur, sources, "2024-10-21")
    assert "[@src-b]" not in table.split("New UNSC sanctions")[1].split("\n")[0].split("|")[-2]


def test_facts_statuses():
    facts = watchlist.facts(_cur("2026-02-01"))
    assert facts["statuses"]["kim-visit-china"] == {
        "label": "Kim visit to China",
        "status": "moved",
        "since": "2025-09-02",
    }
    assert facts["numbers"]["watch.moved"]["value"] == 1
