"""What changed between two editions, generic over a table of fact kinds.

Both `brief diff A B` and the brief's "What changed since the previous edition" come from
`compare()`: the manifests give the parameters, data files, notebooks, code and engine;
`facts.json` gives the stated facts, compared kind by kind through `KINDS`:

| kind | items matched by | what counts as a change |
|---|---|---|
| `assessment` | the one assessment | its `state`, `confidence`, `direction` or `label` |
| `events` | event id | the label; an event whose entry says `window` "left the window" |
| `statuses` | indicator id | `status` or `since` |
| `numbers` | key | `value` (compared only with the same `unit`) |
| anything else | key | any difference (a new kind a notebook emits is shown, never ignored) |
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from brief.editions.manifest import FACTS, Manifest, ManifestError
from brief.fsutil import read_json_object
from brief.hashing import file_sha256

MAX_ITEMS = 10  # items listed per kind in the brief's "what changed" section


class DiffError(ValueError):
    """An edition cannot be compared (missing or unreadable manifest)."""


# --------------------------------------------------------------------------- values


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt_number(value: Any, *, sign: bool = False) -> str:
    """`2,735`, `12.5`, `-0.0312`: grouped thousands, at most 4 decimals, no trailing zeros."""
    if not _is_number(value):
        return "—" if value is None else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = f"{value:+,.4f}" if sign else f"{value:,.4f}"
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(float(b)))
    return type(a) is type(b) and a == b


# --------------------------------------------------------------------------- fact kinds


@dataclass(frozen=True)
class FactKind:
    """How one top-level key of facts.json is compared and described."""

    key: str
    title: str
    describe: Callable[[str, Any], str]  # one item, for "added" / "removed"
    changed: Callable[[Any, Any], bool]
    change: Callable[[str, Any, Any], str]  # old → new
    removed_note: Callable[[Any], str] = lambda old: "no longer listed"


def _label(item_id: str, value: Any) -> str:
    value = _dict(value) if isinstance(value, dict) else {"label": value}
    return _text(value.get("label")) or item_id


def _event_window(value: Any) -> str:
    window = _dict(value).get("window")
    if _is_number(window):
        return f"left the {fmt_number(window)}-day window"
    return f"left the {window}" if window else "no longer listed"


def _status_text(value: Any) -> str:
    value = _dict(value)
    since = _text(value.get("since"))
    return _text(value.get("status")) + (f" (since {since})" if since else "")


def _with_unit(value: Any) -> str:
    value = _dict(value)
    unit = _text(value.get("unit"))
    return fmt_number(value.get("value")) + (f" {unit}" if unit else "")


def _number_changed(old: Any, new: Any) -> bool:
    old, new = _dict(old), _dict(new)
    return old.get("unit") != new.get("unit") or not _same(old.get("value"), new.get("value"))


def _number_change(key: str, old: Any, new: Any) -> str:
    o, n = _dict(old), _dict(new)
    label = _label(key, new)
    if o.get("unit") != n.get("unit"):  # like with like only: different units never subtract
        return f"{label}: now {_with_unit(n)} (was {_with_unit(o)}, in another unit)"
    text = f"{label}: {fmt_number(o.get('value'))} → {_with_unit(n)}"
    if _is_number(o.get("value")) and _is_number(n.get("value")):
        delta = round(float(n["value"]) - float(o["value"]), 10)
        text += f" ({fmt_number(delta, sign=True)})"
    return text


ASSESSMENT_FIELDS = ("state", "direction", "confidence", "label")


def _assessment_change(_key: str, old: Any, new: Any) -> str:
    o, n = _dict(old), _dict(new)
    parts = [
        f"{name}: {_text(o.get(name)) or '—'} → {_text(n.get(name)) or '—'}"
        for name in ASSESSMENT_FIELDS
        if o.get(name) != n.get(name)
    ]
    return "; ".join(parts)


def _generic_text(key: str, value: Any) -> str:
    if isinstance(value, dict) and "label" in value:
        return _label(key, value)
    return f"{key}: {_text(value)}"


KINDS: dict[str, FactKind] = {
    kind.key: kind
    for kind in [
        FactKind(
            "assessment",
            "Assessment",
            describe=lambda k, v: _text(_dict(v).get("label")) or k,
            changed=lambda o, n: any(_dict(o).get(f) != _dict(n).get(f) for f in ASSESSMENT_FIELDS),
            change=_assessment_change,
        ),
        FactKind(
            "events",
            "Events",
            describe=_label,
            changed=lambda o, n: _label("", o) != _label("", n),
            change=lambda k, o, n: f"{_label(k, o)} → {_label(k, n)}",
            removed_note=_event_window,
        ),
        FactKind(
            "statuses",
            "Statuses",
            describe=lambda k, v: f"{_label(k, v)}: {_status_text(v)}",
            changed=lambda o, n: (
                (_dict(o).get("status"), _dict(o).get("since"))
                != (_dict(n).get("status"), _dict(n).get("since"))
            ),
            change=lambda k, o, n: (
                f"{_label(k, n)}: {_dict(o).get('status') or '—'} → {_status_text(n) or '—'}"
            ),
            removed_note=lambda old: "no longer tracked",
        ),
        FactKind(
            "numbers",
            "Key numbers",
            describe=lambda k, v: f"{_label(k, v)}: {_with_unit(v)}",
            changed=_number_changed,
            change=_number_change,
            removed_note=lambda old: "no longer stated",
        ),
    ]
}
SINGLETONS = {"assessment"}  # kinds that are one record, not a mapping of items


def kind_for(key: str) -> FactKind:
    """The kind's entry, or a generic one for a kind no table row names."""
    return KINDS.get(key) or FactKind(
        key,
        key.replace("_", " ").capitalize(),
        describe=_generic_text,
        changed=lambda o, n: o != n,
        change=lambda k, o, n: f"{_generic_text(k, o)} → {_generic_text(k, n)}",
    )


# --------------------------------------------------------------------------- the diff


@dataclass
class Item:
    id: str
    text: str
    old: Any = None
    new: Any = None


@dataclass
class KindDiff:
    kind: str
    title: str
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    changed: list[Item] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass
class Change:
    name: str
    old: Any
    new: Any


@dataclass
class EditionDiff:
    a: str
    b: str
    a_as_of: str = ""
    b_as_of: str = ""
    params: list[Change] = field(default_factory=list)
    data: KindDiff = field(default_factory=lambda: KindDiff("data", "Data files"))
    notebooks: KindDiff = field(default_factory=lambda: KindDiff("notebooks", "Notebooks"))
    build: list[Change] = field(default_factory=list)  # code, engine
    facts: list[KindDiff] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.params
            or not self.data.empty
            or not self.notebooks.empty
            or self.build
            or any(not k.empty for k in self.facts)
        )

    def kind(self, key: str) -> KindDiff | None:
        return next((k for k in self.facts if k.kind == key), None)


def _files(kind: KindDiff, old: dict[str, Any], new: dict[str, Any]) -> KindDiff:
    for path in sorted(new.keys() - old.keys()):
        kind.added.append(Item(path, f"{path} added", None, new[path]))
    for path in sorted(old.keys() - new.keys()):
        kind.removed.append(Item(path, f"{path} removed", old[path], None))
    for path in sorted(old.keys() & new.keys()):
        if old[path] != new[path]:
            kind.changed.append(Item(path, f"{path} changed", old[path], new[path]))
    return kind


def compare_facts(key: str, old: Any, new: Any) -> KindDiff:
    kind = kind_for(key)
    found = KindDiff(key, kind.title)
    if key in SINGLETONS or not (isinstance(old, dict | None) and isinstance(new, dict | None)):
        if old is None and new is not None:
            found.added.append(Item(key, kind.describe(key, new), None, new))
        elif new is None and old is not None:
            found.removed.append(Item(key, kind.describe(key, old), old, None))
        elif old is not None and kind.changed(old, new):
            found.changed.append(Item(key, kind.change(key, old, new), old, new))
        return found
    old, new = old or {}, new or {}
    for k in sorted(new.keys() - old.keys()):
        found.added.append(Item(k, kind.describe(k, new[k]), None, new[k]))
    for k in sorted(old.keys() - new.keys()):
        text = f"{kind.describe(k, old[k])} ({kind.removed_note(old[k])})"
        found.removed.append(Item(k, text, old[k], None))
    for k in sorted(old.keys() & new.keys()):
        if kind.changed(old[k], new[k]):
            found.changed.append(Item(k, kind.change(k, old[k], new[k]), old[k], new[k]))
    return found


def compare(
    old: Manifest,
    old_facts: dict[str, Any],
    new: Manifest,
    new_facts: dict[str, Any],
    date_key: str = "as_of",
) -> EditionDiff:
    """The difference between two (manifest, facts) pairs: `old` is A, `new` is B."""
    d = EditionDiff(old.edition, new.edition, old.as_of(date_key), new.as_of(date_key))
    for name in sorted(old.params.keys() | new.params.keys()):
        before, after = old.params.get(name), new.params.get(name)
        if not _same(before, after):
            d.params.append(Change(name, before, after))
    _files(d.data, old.data, new.data)
    _files(d.notebooks, old.notebooks, new.notebooks)
    for name in ("code", "engine"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            d.build.append(Change(name, before, after))
    keys = list(KINDS) + sorted((old_facts.keys() | new_facts.keys()) - KINDS.keys())
    for key in keys:
        if key in old_facts or key in new_facts:
            d.facts.append(compare_facts(key, old_facts.get(key), new_facts.get(key)))
    return d


# --------------------------------------------------------------------------- reading


def edition_dir(path: Path) -> Path:
    path = Path(path)
    return path.parent if path.name == "manifest.json" and path.is_file() else path


def read_facts(folder: Path, manifest: Manifest | None = None) -> tuple[dict[str, Any], str]:
    """An edition's facts and a note ("" when fine); broken facts count as empty, noted."""
    path = Path(folder) / FACTS
    try:
        facts = read_json_object(path)
    except FileNotFoundError:
        return {}, f"{Path(folder).name} has no facts.json: its facts count as empty"
    except ValueError as exc:
        return {}, f"{Path(folder).name}: {exc}; its facts count as empty"
    expected = manifest.files.get(FACTS) if manifest else None
    if expected and file_sha256(path) != expected:
        return {}, (
            f"{Path(folder).name}: facts.json differs from its manifest checksum; "
            "its facts count as empty"
        )
    return facts, ""


def load(folder: Path) -> tuple[Manifest, dict[str, Any], str]:
    try:
        manifest = Manifest.read(folder)
    except ManifestError as exc:
        raise DiffError(str(exc)) from None
    facts, note = read_facts(folder, manifest)
    return manifest, facts, note


def diff_editions(a: Path, b: Path, date_key: str = "as_of") -> EditionDiff:
    """Compare edition folder `a` (older) with `b` (newer)."""
    a, b = edition_dir(a), edition_dir(b)
    old, old_facts, old_note = load(a)
    new, new_facts, new_note = load(b)
    d = compare(old, old_facts, new, new_facts, date_key)
    d.a, d.b = a.name, b.name
    d.notes += [n for n in (old_note, new_note) if n]
    return d


def diff_to_json(d: EditionDiff) -> str:
    """The diff as JSON: stable (sorted keys, items sorted by id), one trailing newline."""
    return json.dumps(asdict(d), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
