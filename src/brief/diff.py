"""What changed between two editions: parameters, data, code, engine and the stated facts.

Generic over `manifest.json` and `facts.json` (docs/ARCHITECTURE.md, "Editions" and
"Facts"): events are compared by id, statuses by id (status and since), numbers by key
(value and unit). Backs `brief diff A B` (`format_diff`, `diff_to_json`) and the brief's
section "What changed since the previous edition" (`previous_edition`, `changes_markdown`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from brief.archive import list_editions, read_manifest, sort_key, term_safe
from brief.fsutil import read_json_object

FACTS = "facts.json"
MAX_ITEMS = 10  # items listed per kind in the brief's "what changed" section


class DiffError(ValueError):
    """An edition cannot be compared (missing or unreadable manifest)."""


@dataclass
class ParamChange:
    name: str
    old: Any
    new: Any
    old_present: bool = True
    new_present: bool = True


@dataclass
class FileChange:
    path: str
    old: str | None  # sha256, None when the file was added
    new: str | None  # sha256, None when the file was removed


@dataclass
class ValueChange:
    old: Any
    new: Any


@dataclass
class Event:
    id: str
    label: str


@dataclass
class EventChange:
    id: str
    old: str
    new: str


@dataclass
class Status:
    id: str
    label: str
    status: str
    since: str


@dataclass
class StatusChange:
    id: str
    label: str
    old: str
    new: str
    since: str
    old_since: str


@dataclass
class Number:
    key: str
    label: str
    value: Any
    unit: str


@dataclass
class NumberChange:
    key: str
    label: str
    old: Any
    new: Any
    unit: str
    old_unit: str
    delta: float | None


@dataclass
class EditionDiff:
    a: str
    b: str
    a_as_of: str = ""
    b_as_of: str = ""
    params: list[ParamChange] = field(default_factory=list)
    data_changed: list[FileChange] = field(default_factory=list)
    data_added: list[FileChange] = field(default_factory=list)
    data_removed: list[FileChange] = field(default_factory=list)
    notebooks_changed: list[FileChange] = field(default_factory=list)
    notebooks_added: list[FileChange] = field(default_factory=list)
    notebooks_removed: list[FileChange] = field(default_factory=list)
    code: ValueChange | None = None
    engine: ValueChange | None = None
    events_added: list[Event] = field(default_factory=list)
    events_removed: list[Event] = field(default_factory=list)
    events_changed: list[EventChange] = field(default_factory=list)
    statuses_changed: list[StatusChange] = field(default_factory=list)
    statuses_added: list[Status] = field(default_factory=list)
    statuses_removed: list[Status] = field(default_factory=list)
    numbers_changed: list[NumberChange] = field(default_factory=list)
    numbers_added: list[Number] = field(default_factory=list)
    numbers_removed: list[Number] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def data_differs(self) -> bool:
        return bool(self.data_changed or self.data_added or self.data_removed)

    @property
    def facts_differ(self) -> bool:
        return bool(
            self.events_added
            or self.events_removed
            or self.events_changed
            or self.statuses_changed
            or self.statuses_added
            or self.statuses_removed
            or self.numbers_changed
            or self.numbers_added
            or self.numbers_removed
        )

    @property
    def empty(self) -> bool:
        return not (
            self.params
            or self.data_differs
            or self.notebooks_changed
            or self.notebooks_added
            or self.notebooks_removed
            or self.code
            or self.engine
            or self.facts_differ
        )


# --------------------------------------------------------------------------- comparing


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return (type(a) is type(b) and a == b) or (_is_number(a) and _is_number(b) and a == b)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _files(old: Any, new: Any) -> tuple[list[FileChange], list[FileChange], list[FileChange]]:
    old, new = _dict(old), _dict(new)
    changed = [
        FileChange(p, _text(old[p]), _text(new[p]))
        for p in sorted(old.keys() & new.keys())
        if old[p] != new[p]
    ]
    added = [FileChange(p, None, _text(new[p])) for p in sorted(new.keys() - old.keys())]
    removed = [FileChange(p, _text(old[p]), None) for p in sorted(old.keys() - new.keys())]
    return changed, added, removed


def _params(old: Any, new: Any) -> list[ParamChange]:
    old, new = _dict(old), _dict(new)
    out = []
    for name in sorted(old.keys() | new.keys()):
        if name in old and name in new and _same(old[name], new[name]):
            continue
        out.append(ParamChange(name, old.get(name), new.get(name), name in old, name in new))
    return out


def _status(sid: str, raw: Any) -> Status:
    raw = _dict(raw)
    return Status(
        sid, _text(raw.get("label")) or sid, _text(raw.get("status")), _text(raw.get("since"))
    )


def _number(key: str, raw: Any) -> Number:
    raw = _dict(raw)
    return Number(key, _text(raw.get("label")) or key, raw.get("value"), _text(raw.get("unit")))


def compare(
    old_manifest: dict[str, Any],
    old_facts: dict[str, Any],
    new_manifest: dict[str, Any],
    new_facts: dict[str, Any],
    *,
    a: str = "",
    b: str = "",
) -> EditionDiff:
    """The difference between two (manifest, facts) pairs: `old` is A, `new` is B."""
    old_params, new_params = _dict(old_manifest.get("params")), _dict(new_manifest.get("params"))
    d = EditionDiff(
        a=a or _text(old_manifest.get("edition")),
        b=b or _text(new_manifest.get("edition")),
        a_as_of=_text(old_params.get("as_of")),
        b_as_of=_text(new_params.get("as_of")),
    )
    d.params = _params(old_params, new_params)
    d.data_changed, d.data_added, d.data_removed = _files(
        old_manifest.get("data"), new_manifest.get("data")
    )
    d.notebooks_changed, d.notebooks_added, d.notebooks_removed = _files(
        old_manifest.get("notebooks"), new_manifest.get("notebooks")
    )
    for attr in ("code", "engine"):
        old_v, new_v = _dict(old_manifest.get(attr)), _dict(new_manifest.get(attr))
        if old_v != new_v:
            setattr(d, attr, ValueChange(old_v, new_v))

    old_ev, new_ev = _dict(old_facts.get("events")), _dict(new_facts.get("events"))
    d.events_added = [Event(k, _text(new_ev[k])) for k in sorted(new_ev.keys() - old_ev.keys())]
    d.events_removed = [Event(k, _text(old_ev[k])) for k in sorted(old_ev.keys() - new_ev.keys())]
    d.events_changed = [
        EventChange(k, _text(old_ev[k]), _text(new_ev[k]))
        for k in sorted(old_ev.keys() & new_ev.keys())
        if _text(old_ev[k]) != _text(new_ev[k])
    ]

    old_st, new_st = _dict(old_facts.get("statuses")), _dict(new_facts.get("statuses"))
    for sid in sorted(old_st.keys() & new_st.keys()):
        o, n = _status(sid, old_st[sid]), _status(sid, new_st[sid])
        if (o.status, o.since) != (n.status, n.since):
            d.statuses_changed.append(
                StatusChange(sid, n.label, o.status, n.status, n.since, o.since)
            )
    d.statuses_added = [_status(s, new_st[s]) for s in sorted(new_st.keys() - old_st.keys())]
    d.statuses_removed = [_status(s, old_st[s]) for s in sorted(old_st.keys() - new_st.keys())]

    old_nu, new_nu = _dict(old_facts.get("numbers")), _dict(new_facts.get("numbers"))
    for key in sorted(old_nu.keys() & new_nu.keys()):
        o, n = _number(key, old_nu[key]), _number(key, new_nu[key])
        if _same(o.value, n.value) and o.unit == n.unit:
            continue
        delta = None
        if _is_number(o.value) and _is_number(n.value) and o.unit == n.unit:
            delta = round(float(n.value) - float(o.value), 10)
        d.numbers_changed.append(
            NumberChange(key, n.label, o.value, n.value, n.unit, o.unit, delta)
        )
    d.numbers_added = [_number(k, new_nu[k]) for k in sorted(new_nu.keys() - old_nu.keys())]
    d.numbers_removed = [_number(k, old_nu[k]) for k in sorted(old_nu.keys() - new_nu.keys())]
    return d


def _edition_dir(path: Path) -> Path:
    path = Path(path)
    return path.parent if path.name == "manifest.json" and path.is_file() else path


def read_facts(edition_dir: Path) -> dict[str, Any] | None:
    """An edition's facts.json, or None when it has none (DiffError when it is unreadable)."""
    try:
        return read_json_object(Path(edition_dir) / FACTS)
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise DiffError(f"{edition_dir.name}: {exc}") from None


def _load(edition_dir: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    try:
        manifest = read_manifest(edition_dir)
    except ValueError as exc:
        raise DiffError(f"{edition_dir}: {exc}") from None
    return manifest, read_facts(edition_dir)


def diff_editions(a: Path, b: Path) -> EditionDiff:
    """Compare edition folder `a` (older) with `b` (newer)."""
    a, b = _edition_dir(a), _edition_dir(b)
    old_manifest, old_facts = _load(a)
    new_manifest, new_facts = _load(b)
    d = compare(old_manifest, old_facts or {}, new_manifest, new_facts or {}, a=a.name, b=b.name)
    for path, facts in ((a, old_facts), (b, new_facts)):
        if facts is None:
            d.notes.append(f"{path.name} has no facts.json: its facts count as empty")
    return d


# --------------------------------------------------------------------------- formatting


def fmt_number(value: Any, *, sign: bool = False) -> str:
    """`2,735`, `12.5`, `-0.0312`: grouped thousands, at most 4 decimals, no trailing zeros."""
    if not _is_number(value):
        return "—" if value is None else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = f"{value:+,.4f}" if sign else f"{value:,.4f}"
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _sha(value: str | None) -> str:
    return (value or "")[:12] or "—"


def _code_text(code: dict[str, Any]) -> str:
    commit = _text(code.get("commit"))[:10] or "unknown"
    return commit + ("+dirty" if code.get("dirty") else "")


def _engine_text(engine: dict[str, Any]) -> str:
    name = _text(engine.get("name")) or "?"
    version = _text(engine.get("version"))
    return f"{name} {version}".strip()


def _with_unit(value: Any, unit: str) -> str:
    text = fmt_number(value)
    return f"{text} {unit}" if unit else text


def _param_change_text(p: ParamChange) -> str:
    old = _value(p.old) if p.old_present else "(absent)"
    new = _value(p.new) if p.new_present else "(absent)"
    return f"{p.name}: {old} → {new}"


def _number_change_text(n: NumberChange) -> str:
    if n.unit != n.old_unit:
        text = f"{n.label}: {_with_unit(n.old, n.old_unit)} → {_with_unit(n.new, n.unit)}"
    else:
        text = f"{n.label}: {fmt_number(n.old)} → {_with_unit(n.new, n.unit)}"
    if n.delta is not None:
        text += f" ({fmt_number(n.delta, sign=True)})"
    return text


def _status_change_text(s: StatusChange) -> str:
    text = f"{s.label}: {s.old or '—'} → {s.new or '—'}"
    if s.since:
        text += f" (since {s.since})"
    return text


def format_diff(d: EditionDiff) -> str:
    """A readable terminal report (control characters in the data shown as escapes)."""
    lines: list[str] = []

    def section(title: str, items: list[str]) -> None:
        if items:
            lines.append(title)
            lines.extend(f"  {item}" for item in items)

    lines.append(f"{d.a} → {d.b}")
    if d.a_as_of or d.b_as_of:
        lines.append(f"as of {d.a_as_of or '?'} → {d.b_as_of or '?'}")
    if d.empty:
        lines.append("No differences.")
    section(f"Parameters ({len(d.params)} changed)", [_param_change_text(p) for p in d.params])
    for kind, changed, added, removed in (
        ("Data", d.data_changed, d.data_added, d.data_removed),
        ("Notebooks", d.notebooks_changed, d.notebooks_added, d.notebooks_removed),
    ):
        section(
            f"{kind} files ({len(changed)} changed, {len(added)} added, {len(removed)} removed)",
            [f"~ {f.path}  {_sha(f.old)} → {_sha(f.new)}" for f in changed]
            + [f"+ {f.path}  {_sha(f.new)}" for f in added]
            + [f"- {f.path}  {_sha(f.old)}" for f in removed],
        )
    if d.code:
        lines.append(f"Code: {_code_text(d.code.old)} → {_code_text(d.code.new)}")
    if d.engine:
        lines.append(f"Engine: {_engine_text(d.engine.old)} → {_engine_text(d.engine.new)}")
    section(
        f"Events ({len(d.events_added)} added, {len(d.events_removed)} removed"
        + (f", {len(d.events_changed)} relabelled)" if d.events_changed else ")"),
        [f"+ {e.label or e.id}  [{e.id}]" for e in d.events_added]
        + [f"- {e.label or e.id}  [{e.id}]" for e in d.events_removed]
        + [f"~ {e.old} → {e.new}  [{e.id}]" for e in d.events_changed],
    )
    section(
        f"Statuses ({len(d.statuses_changed)} changed, {len(d.statuses_added)} added, "
        f"{len(d.statuses_removed)} removed)",
        [f"~ {_status_change_text(s)}" for s in d.statuses_changed]
        + [f"+ {s.label}: {s.status} (since {s.since})" for s in d.statuses_added]
        + [f"- {s.label}: {s.status} (since {s.since})" for s in d.statuses_removed],
    )
    section(
        f"Numbers ({len(d.numbers_changed)} changed, {len(d.numbers_added)} added, "
        f"{len(d.numbers_removed)} removed)",
        [f"~ {_number_change_text(n)}" for n in d.numbers_changed]
        + [f"+ {n.label}: {_with_unit(n.value, n.unit)}" for n in d.numbers_added]
        + [f"- {n.label}: {_with_unit(n.value, n.unit)}" for n in d.numbers_removed],
    )
    lines.extend(f"Note: {note}" for note in d.notes)
    return "\n".join(term_safe(line) for line in lines) + "\n"


def diff_to_json(d: EditionDiff) -> str:
    """The diff as JSON: stable (sorted keys, lists sorted by id), one trailing newline."""
    return json.dumps(asdict(d), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- previous


def previous_edition(
    output_dir: Path, as_of: str, exclude: str | None = None, *, official_only: bool = False
) -> Path | None:
    """The published edition with the greatest as_of strictly before `as_of`.

    Ties go to the latest `built`, then the greatest name. `exclude` (an edition name) is
    never chosen; with `official_only`, only editions listed in output/OFFICIAL are.
    """
    as_of = str(as_of)
    candidates = [
        e
        for e in list_editions(Path(output_dir))
        if e.as_of and e.as_of < as_of and e.name != exclude and (e.official or not official_only)
    ]
    if not candidates:
        return None
    return max(candidates, key=sort_key).path


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = set("\\`*_{}[]<>#+-!|$@~^&")


def md_escape(text: Any) -> str:
    """Text that Markdown (pandoc, Quarto) shows literally: no HTML, Typst, math or cites.

    Every Markdown-active ASCII punctuation is backslash-escaped and line breaks become
    spaces, so a value can never open a block, a raw span or a code fence.
    """
    out = []
    for ch in _text(text):
        if ch in "\r\n\t\v\f":
            out.append(" ")
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _bullets(items: list[str], limit: int = MAX_ITEMS) -> list[str]:
    lines = [f"    - {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"    - and {len(items) - limit} more")
    return lines


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _change_block(title: str, groups: list[tuple[str, list[str]]]) -> list[str]:
    """One kind of change: '- **Title**: 2 new, 1 changed.' then its items as bullets."""
    present = [(noun, items) for noun, items in groups if items]
    if not present:
        return []
    counts = ", ".join(f"{len(items)} {noun}" for noun, items in present)
    return [f"- **{title}**: {counts}.", *_bullets([i for _, items in present for i in items])]


def changes_markdown(
    new_facts: dict[str, Any], new_manifest: dict[str, Any], previous: Path | None
) -> str:
    """The body of "What changed since the previous edition", as Markdown.

    Computed like `diff_editions(previous, this edition)`; every text taken from facts or
    manifests is escaped with `md_escape`. Short: counts, then at most MAX_ITEMS items per
    kind and "and N more".
    """
    if previous is None:
        return (
            "This is the first edition in the archive: there is no earlier edition to "
            "compare it with.\n"
        )
    previous = _edition_dir(previous)
    old_manifest, old_facts = _load(previous)
    d = compare(old_manifest, old_facts or {}, new_manifest, new_facts or {}, a=previous.name)
    name = md_escape(d.a)
    when = f" (as of {md_escape(d.a_as_of)})" if d.a_as_of else ""
    if d.empty:
        return (
            f"Nothing changed since the previous edition, **{name}**{when}: the same "
            "parameters, data, code and stated facts.\n"
        )

    lines = [f"Compared with the previous edition, **{name}**{when}:", ""]
    e = md_escape
    if d.params:
        lines.append(f"- **Parameters**: {_plural(len(d.params), 'changed', 'changed')}.")
        lines.extend(_bullets([e(_param_change_text(p)) for p in d.params]))
    lines += _change_block(
        "Data files",
        [
            ("changed", [f"{e(f.path)} changed" for f in d.data_changed]),
            ("added", [f"{e(f.path)} added" for f in d.data_added]),
            ("removed", [f"{e(f.path)} removed" for f in d.data_removed]),
        ],
    )
    if d.code or d.engine:
        bits = []
        if d.code:
            bits.append(f"code {e(_code_text(d.code.old))} → {e(_code_text(d.code.new))}")
        if d.engine:
            bits.append(f"engine {e(_engine_text(d.engine.old))} → {e(_engine_text(d.engine.new))}")
        lines.append(f"- **Build**: {'; '.join(bits)}.")
    lines += _change_block(
        "Events",
        [
            ("new", [f"new: {e(ev.label or ev.id)}" for ev in d.events_added]),
            (
                "no longer listed",
                [f"no longer listed: {e(ev.label or ev.id)}" for ev in d.events_removed],
            ),
        ],
    )
    lines += _change_block(
        "Statuses",
        [
            ("changed", [e(_status_change_text(s)) for s in d.statuses_changed]),
            (
                "new",
                [
                    f"new: {e(s.label)}: {e(s.status)}"
                    + (f" (since {e(s.since)})" if s.since else "")
                    for s in d.statuses_added
                ],
            ),
            ("no longer tracked", [f"no longer tracked: {e(s.label)}" for s in d.statuses_removed]),
        ],
    )
    lines += _change_block(
        "Key numbers",
        [
            ("changed", [e(_number_change_text(n)) for n in d.numbers_changed]),
            (
                "new",
                [f"new: {e(n.label)}: {e(_with_unit(n.value, n.unit))}" for n in d.numbers_added],
            ),
            ("no longer stated", [f"no longer stated: {e(n.label)}" for n in d.numbers_removed]),
        ],
    )
    if d.events_changed:
        lines.append(f"- **Events relabelled**: {len(d.events_changed)}.")
    return "\n".join(lines) + "\n"
