"""Write the brief's section notebooks (notebooks/NN_*.ipynb) from one table, without outputs.

Run after changing a section's cells: `.venv/bin/python tools/make_notebooks.py`.
Each notebook: a `parameters` cell declaring only the parameters it uses, one setup cell
that resolves them and takes the as-of view, then cells that call `analysis` and emit.
Cells the brief embeds start with `#| label: <name>`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = {
    "as_of": "None",
    "start": '"2013-01-01"',
    "compare_with": '"RUS"',
    "trade_series": '"GACC"',
}
PARAM_NOTES = {
    "as_of": "# YYYY-MM-DD; None: the latest publication date in the data",
    "start": "# YYYY-MM-DD: the analysis window opens",
    "compare_with": "# RUS, USA or KOR: the partner shown beside China",
    "trade_series": "# GACC or KOTRA: the lead China–North Korea trade series",
}


def chart(label: str, call: str) -> str:
    return (
        f"#| label: {label}\n"
        f"fig = {call}\n"
        "emit.chart(fig.chart, fig.name, fig.alt)\n"
        "emit.markdown(fig.source)"
    )


def text(label: str, call: str) -> str:
    return f"#| label: {label}\nemit.markdown({call})"


NOTEBOOKS: dict[str, dict] = {
    "01_key_judgements": {
        "title": "Key judgements",
        "params": ["as_of", "start", "compare_with", "trade_series"],
        "modules": ["assessment", "judgements"],
        "cells": [
            "a = assessment.assess(view, params)\nemit.metadata(assessment.document_metadata(a))",
            text("summary-bottom-line", "assessment.bottom_line(a)"),
            text("summary-points", "assessment.summary_points(a, view, params)"),
            text("judgements-scope", "judgements.scope(params)"),
            text("judgements-indicators", "assessment.indicator_table(a, params)"),
            text("judgements-evidence", "assessment.evidence_table(a, view)"),
            text("judgements-readings", "judgements.readings(view, params, a)"),
            "emit.facts({**assessment.facts(a), **judgements.facts(view, params, a)})",
        ],
    },
    "02_exchanges": {
        "title": "High-level exchanges",
        "params": ["as_of", "start", "compare_with"],
        "modules": ["exchanges"],
        "cells": [
            text("exchanges-text", "exchanges.text(view, params)"),
            chart("exchanges-chart", "exchanges.timeline_figure(view, params)"),
            chart("exchanges-counts-chart", "exchanges.counts_figure(view, params)"),
            "emit.facts(exchanges.facts(view, params))",
        ],
    },
    "03_trade": {
        "title": "Trade and dependence",
        "params": ["as_of", "start", "trade_series"],
        "modules": ["trade"],
        "cells": [
            text("trade-text", "trade.text(view, params)"),
            chart("trade-chart", "trade.lead_figure(view, params)"),
            text("trade-gap", "trade.gap_text(view, params)"),
            text("trade-share-text", "trade.share_text(view, params)"),
            chart("trade-share-chart", "trade.share_figure(view, params)"),
            chart("trade-monthly-chart", "trade.monthly_figure(view, params)"),
            text("trade-russia", "trade.russia_text(view, params)"),
            "emit.facts(trade.facts(view, params))",
        ],
    },
    "04_security": {
        "title": "Security signals",
        "params": ["as_of", "start"],
        "modules": ["security"],
        "cells": [
            text("security-text", "security.text(view, params)"),
            chart("security-chart", "security.figure(view, params)"),
            "emit.facts(security.facts(view, params))",
        ],
    },
    "05_pivot": {
        "title": "The Moscow pivot",
        "params": ["as_of", "start"],
        "modules": ["pivot"],
        "cells": [
            text("pivot-text", "pivot.text(view, params)"),
            chart("pivot-chart", "pivot.milestones_figure(view, params)"),
            chart("pivot-leader-chart", "pivot.leader_figure(view, params)"),
            "emit.facts(pivot.facts(view, params))",
        ],
    },
    "06_watchlist": {
        "title": "Watch list",
        "params": ["as_of"],
        "modules": ["watchlist"],
        "cells": [
            text("watch-text", "watchlist.text(watchlist.status_of(view, params), params.as_of)"),
            text("watch-table", "watchlist.table_of(view, params)"),
            "emit.facts(watchlist.facts(watchlist.status_of(view, params)))",
        ],
    },
    "07_outlook_method": {
        "title": "Outlook and method",
        "params": ["as_of", "start", "compare_with", "trade_series"],
        "modules": ["assessment", "outlook"],
        "cells": [
            "a = assessment.assess(view, params)",
            text("outlook-scenarios", "outlook.scenarios(view, params, a)"),
            text("outlook-limits", "outlook.limits(view, params)"),
            "emit.facts(outlook.facts(view, params))",
        ],
    },
}


def build(name: str, spec: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    params = spec["params"]
    width = max(len(p) + 3 + len(DEFAULTS[p]) for p in params)
    lines = [
        f"{p} = {DEFAULTS[p]}".ljust(width) + f"  {PARAM_NOTES[p]}" for p in params
    ]
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {spec['title']}\n\nSection notebook of the brief: computed by `analysis`, "
            "embedded by `brief.qmd`. Parameters are set by the `brief` command."
        ),
        nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["parameters"]}),
    ]
    kwargs = ", ".join(f"{p}={p}" for p in params)
    modules = ", ".join(["emit", *spec["modules"]])
    setup = (
        f"from analysis import {modules}\n"
        "from analysis.data import as_of_view, latest_publication_date\n"
        "from analysis.params import BriefParams\n\n"
        f"params = BriefParams({kwargs}).resolved(latest_publication_date())\n"
        "view = as_of_view(params.as_of)"
    )
    cells.append(nbformat.v4.new_code_cell(setup))
    cells.extend(nbformat.v4.new_code_cell(src) for src in spec["cells"])
    for i, cell in enumerate(cells):
        cell["id"] = f"{name.split('_')[0]}-{i:02d}"  # stable ids: no random churn in diffs
        if cell["cell_type"] == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
    nb.cells = cells
    return nb


def main() -> int:
    out = ROOT / "notebooks"
    out.mkdir(exist_ok=True)
    for name, spec in NOTEBOOKS.items():
        nb = build(name, spec)
        nbformat.validate(nb)
        path = out / f"{name}.ipynb"
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
