"""Where a render goes: a draft (rebuilt freely) or a new official edition (never replaced).

`target()` decides, before anything runs, the edition's folder and publication state, and
whether it is already up to date; `put_in_place()` moves the complete staging folder
there under the output folder's lock and keeps the archive in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from brief.editions import publishing
from brief.editions.archive import repair_archive, write_archive
from brief.editions.catalogue import Catalogue, Entry
from brief.editions.manifest import (
    DRAFT,
    OFFICIAL,
    Manifest,
    Publication,
    manifest_sha256,
    revision_name,
    verify,
)
from brief.hashing import value_sha256
from brief.params import ParamError


@dataclass(frozen=True)
class Target:
    name: str
    final: Path
    publication: Publication
    previous: Entry | None
    up_to_date: bool = False
    note: str = ""  # why an existing edition is rendered again

    @property
    def previous_record(self) -> dict[str, Any] | None:
        if self.previous is None:
            return None
        return {
            "edition": self.previous.name,
            "manifest_sha256": manifest_sha256(self.previous.path),
        }


def identity_with_previous(identity: dict[str, Any], target: Target) -> dict[str, Any]:
    """The previous edition is an input: its name and its manifest's checksum."""
    return {**identity, "previous": target.previous_record}


def _matches(folder: Path, identity: dict[str, Any]) -> tuple[bool, str]:
    try:
        manifest = Manifest.read(folder)
    except ValueError:
        return False, "its manifest is unreadable"
    if manifest.inputs_sha256 != value_sha256(identity):
        changes = changed_inputs(manifest.inputs, identity)
        shown = ", ".join(changes[:6]) + (
            f" and {len(changes) - 6} more" if len(changes) > 6 else ""
        )
        return False, f"its inputs changed ({shown or 'inputs'})"
    problems = verify(folder)
    if problems:
        return False, "it fails verification: " + "; ".join(problems[:3])
    return True, ""


def changed_inputs(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Which identity inputs differ between an existing edition and this render."""
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            inner = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            changes += [f"{key} {name}" for name in inner]
        else:
            changes.append(key)
    return changes


def target(
    catalogue: Catalogue,
    name: str,
    as_of: str,
    identity: dict[str, Any],
    *,
    official: bool,
    erratum: str | None = None,
    same: dict[str, tuple[Any, Any]] | None = None,
) -> tuple[Target, dict[str, Any]]:
    """Where edition `name` goes, and its full identity (the previous edition included:
    with `same`, the previous one with those parameter values, e.g. the same language)."""
    _refuse_case_twin(catalogue, name)
    previous = catalogue.previous(as_of, same)
    if not official:
        t = Target(name, catalogue.drafts_dir / name, Publication(DRAFT, name), previous)
        full = identity_with_previous(identity, t)
        if t.final.exists():
            same, why = _matches(t.final, full)
            t = replace(t, up_to_date=same, note=why)
        return t, full
    base = name
    revisions = catalogue.revisions(base)
    t = Target(name, catalogue.output_dir / name, Publication(OFFICIAL, base), previous)
    full = identity_with_previous(identity, t)
    if not revisions:
        if t.final.exists():
            raise ParamError(
                f"{t.final} exists but output/OFFICIAL does not list it: list it there (it was "
                "published), or move it away, then publish again"
            )
        return replace(t, publication=replace(t.publication, erratum=erratum)), full
    newest = revisions[-1]
    same, why = _matches(newest.path, full)
    if same and not erratum:
        return replace(t, name=newest.name, final=newest.path, up_to_date=True), full
    if same:
        raise ParamError(
            f"edition {newest.name!r} is already published from these same inputs: a "
            "correction needs a change (data, code or sources) to correct"
        )
    if not erratum:
        changes = changed_inputs(newest.manifest.inputs, full)
        listed = ", ".join(changes[:6]) + (
            f" and {len(changes) - 6} more" if len(changes) > 6 else ""
        )
        raise ParamError(
            f"edition {newest.name!r} is official and never replaced; this render differs "
            f"({listed or why}). To publish a correction, give --erratum TEXT (a short note "
            f"for readers): it becomes {revision_name(base, newest.revision + 1)!r}. To try "
            "changes, `brief render` makes a draft."
        )
    number = newest.revision + 1
    final_name = revision_name(base, number)
    publication = Publication(OFFICIAL, base, number, erratum)
    return replace(
        t, name=final_name, final=catalogue.output_dir / final_name, publication=publication
    ), full


def _refuse_case_twin(catalogue: Catalogue, name: str) -> None:
    """`Draft` beside `draft` is two folders on Linux and one on macOS or Windows: refuse."""
    for folder in (catalogue.output_dir, catalogue.drafts_dir):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.name != name and entry.name.lower() == name.lower():
                raise ParamError(
                    f"edition name {name!r} differs from {entry} only in case: the two would "
                    "collide on case-insensitive file systems (macOS, Windows); choose another"
                )


def stamp(publication: Publication) -> Publication:
    """The moment of publication (wall clock, UTC): recorded, never inside the brief's bytes."""
    if publication.status != OFFICIAL:
        return publication
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return replace(publication, published=now.isoformat())


def put_in_place(staging: Path, t: Target, date_key: str) -> None:
    """Move a complete staging folder to its target (call under the output folder's lock)."""
    if t.publication.status == DRAFT:
        publishing.replace_draft(staging, t.final)
        return
    if t.final.exists():  # another publish won the race
        raise publishing.PublishError(
            f"edition {t.name!r} was published by another run meanwhile; nothing was changed"
        )
    publishing.publish_official(staging, t.final)
    write_archive(t.final.parent, date_key)


def prepare(output_dir: Path, date_key: str) -> list[str]:
    """Before a run (under the lock): finish interrupted swaps, sweep, repair the archive."""
    done = publishing.sweep_stale(output_dir)
    done += publishing.sweep_stale(output_dir / "drafts")
    done += publishing.sweep_stale(output_dir / "latest")
    if repair_archive(output_dir, date_key):
        done.append("the archive page was stale and is rewritten")
    return done
