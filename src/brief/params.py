"""Parameters from the command line and files, validated against the project's model.

Unknown names, wrong types and impossible values are errors that name the parameter and
where it was given (`-p`, or the file and line); nothing is silently dropped (papermill
only warns, Quarto drops them: we refuse). Forms accepted, as each community types them:
`-p name=value`, `-p name value` (papermill), `-P name:value` (Quarto), `--params FILE`
and `--execute-params FILE` (YAML).
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if typing.TYPE_CHECKING:  # pydantic is imported where a model is validated: the workers
    from pydantic import BaseModel  # spawned by a render import this module, not pydantic

MAX_FILE_BYTES = 1_000_000  # a params or matrix file is a few lines; refuse megabytes
MAX_ALIASES = 100  # YAML aliases per file: enough for any real use, too few for a bomb
# Characters of a given value echoed in a message: room for a long path, never a 10 MB value.
MAX_SHOWN = 200
MAX_REASON = 240  # characters of a validator's own message


class ParamError(Exception):
    """A parameter problem; the message names the parameter or file and what is wrong."""


def shown(value: Any) -> str:
    """A given value for a message: repr, cut to MAX_SHOWN characters."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}… ({len(text)} characters)"


@dataclass(frozen=True)
class Resolved:
    """Parameters with every default filled in, as JSON-friendly values."""

    values: dict[str, Any]
    defaults: frozenset[str]  # names whose value is the model's default

    @property
    def non_default(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if k not in self.defaults}


@dataclass
class Given:
    """Raw parameter values and where each was given (`-p`, `file.yaml:3`)."""

    values: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)

    def update(self, other: Given) -> Given:
        self.values.update(other.values)
        self.where.update(other.where)
        return self


def parse_assignments(pairs: list[str], sep: str = "=", option: str = "-p") -> dict[str, str]:
    """`-p name=value` (or `-P name:value` with sep ':') options, in order; a later one wins."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, found, value = pair.partition(sep)
        if not found or not key.strip():
            raise ParamError(
                f"{option} {shown(pair)}: write parameters as {option} name{sep}value"
                + (" or -p name value" if option == "-p" else "")
            )
        values[key.strip()] = value.strip()
    return values


# --------------------------------------------------------------------------- YAML files


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys and alias bombs, keeping key line numbers."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(
                    f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*name); "
                    "write the values out"
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, typing.Hashable) and key in seen:
                raise yaml.YAMLError(
                    f"line {line}: {shown(key)} is given twice (first on line {seen[key]})"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path, what: str) -> tuple[Any, yaml.Node | None]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ParamError(f"{what} {path}: {size:,} bytes; a {what} is at most 1 MB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamError(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamError(f"{what} {path}: cannot be read ({exc})") from None
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = (exc.problem or str(exc)).replace("\n", " ")
        raise ParamError(f"{what} {where}: not valid YAML ({problem})") from None
    except yaml.YAMLError as exc:
        detail = str(exc).replace("\n", " ")
        line = re.match(r"line (\d+): (.*)", detail)
        where = f"{path}:{line[1]}" if line else str(path)
        raise ParamError(f"{what} {where}: {line[2] if line else detail}") from None
    finally:
        loader.dispose()
    return data, node


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _v in node.value}


def read_params(path: Path) -> Given:
    """A params file (YAML mapping); each name remembers its file and line."""
    data, node = _read_yaml(path, "params file")
    if data is None:
        return Given()
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ParamError(f"params file {path}: must be a mapping of parameter names to values")
    lines = _key_lines(node)
    return Given(dict(data), {k: f"{path}:{lines.get(k, 1)}" for k in data})


@dataclass(frozen=True)
class MatrixEntry:
    given: Given
    edition: str | None


def read_matrix(path: Path) -> list[MatrixEntry]:
    """A YAML list of parameter sets (each may name its `edition`), or {editions: [...]}."""
    data, node = _read_yaml(path, "matrix file")
    if isinstance(data, dict) and "editions" in data:
        data = data["editions"]
        node = next((v for k, v in node.value if k.value == "editions"), None)  # type: ignore[union-attr]
    if not isinstance(data, list) or not data:
        raise ParamError(f"matrix file {path}: must be a non-empty list of parameter sets")
    nodes = node.value if isinstance(node, yaml.SequenceNode) else [None] * len(data)
    entries = []
    for number, (entry, item) in enumerate(zip(data, nodes, strict=True), start=1):
        line = item.start_mark.line + 1 if item is not None else number
        if entry is None:
            entry = {}
        if not isinstance(entry, dict) or not all(isinstance(k, str) for k in entry):
            raise ParamError(f"matrix file {path}:{line}: entry {number} is not a mapping")
        entry = dict(entry)
        edition = entry.pop("edition", None)
        if edition is not None and not isinstance(edition, str | int | float | dt.date):
            raise ParamError(
                f"matrix file {path}:{line}: edition must be a name, not a {type(edition).__name__}"
            )
        lines = _key_lines(item)
        where = {k: f"{path}:{lines.get(k, line)}" for k in entry}
        entries.append(MatrixEntry(Given(entry, where), None if edition is None else str(edition)))
    return entries


# --------------------------------------------------------------------------- validation

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_date_field(annotation: Any) -> bool:
    if annotation is dt.date:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_date_field(a) for a in typing.get_args(annotation))
    return False


def _describe(error: dict[str, Any], model: type[BaseModel], where: dict[str, str]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    message = error.get("msg", "invalid").removeprefix("Value error, ")
    place = f" ({where[loc]})" if loc in where and where[loc] != "-p" else ""
    if error.get("type") == "extra_forbidden":
        known = ", ".join(model.model_fields)
        return f"unknown parameter '{loc}'{place} (known parameters: {known})"
    if not loc:
        return message
    given = error.get("input")
    value = f" (given {shown(given)})" if isinstance(given, str | int | float | bool) else ""
    if len(message) > MAX_REASON:
        message = message[:MAX_REASON] + "…"
    return f"parameter '{loc}'{value}{place}: {message}"


def _strict_dates(
    model: type[BaseModel], raw: dict[str, Any], where: dict[str, str]
) -> dict[str, str]:
    """Dates only as YYYY-MM-DD: `20250408` and `2025-W15-2` are ISO too, but not ours."""
    problems = {}
    for name, spec in model.model_fields.items():
        value = raw.get(name)
        date = isinstance(value, str) and _is_date_field(spec.annotation)
        if date and not _ISO_DATE.fullmatch(value.strip()):
            place = f" ({where[name]})" if where.get(name, "-p") != "-p" else ""
            problems[name] = (
                f"parameter '{name}' (given {shown(value)}){place}: "
                "not a date of the form YYYY-MM-DD"
            )
    return problems


def validate(
    model: type[BaseModel], raw: dict[str, Any], where: dict[str, str] | None = None
) -> BaseModel:
    """The model's instance, or one ParamError listing every problem found."""
    from pydantic import ValidationError

    where = where or {}
    dates = _strict_dates(model, raw, where)
    checked = {k: v for k, v in raw.items() if k not in dates}
    try:
        params = model.model_validate(checked)
    except ValidationError as exc:
        errors = [e for e in exc.errors() if e.get("loc") or not dates]
        problems = list(dates.values()) + [_describe(e, model, where) for e in errors]
        raise ParamError("; ".join(problems)) from None
    if dates:
        raise ParamError("; ".join(dates.values()))
    return params


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def resolve(
    model: type[BaseModel],
    raw: dict[str, Any],
    latest: dt.date,
    where: dict[str, str] | None = None,
) -> Resolved:
    """Validate, fill `as_of`-style defaults from the data, and note which are defaults."""
    from pydantic import ValidationError

    params = validate(model, raw, where)
    if hasattr(params, "resolved"):
        try:
            params = params.resolved(latest)
        except ValidationError as exc:
            problems = [_describe(e, model, where or {}) for e in exc.errors()]
            raise ParamError("; ".join(problems)) from None
    values = {k: _jsonable(v) for k, v in params.model_dump().items()}
    defaults = set()
    for name, spec in model.model_fields.items():
        default = _jsonable(spec.get_default(call_default_factory=True))
        if values[name] == default or (default is None and name not in raw):
            defaults.add(name)
    return Resolved(values=values, defaults=frozenset(defaults))


def describe_model(model: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """(name, type, default, meaning) of every parameter, for `--help`."""
    rows = []
    for name, spec in model.model_fields.items():
        annotation = spec.annotation
        if _is_date_field(annotation):
            kind = "date"
        elif typing.get_origin(annotation) is typing.Literal:
            kind = "|".join(str(a) for a in typing.get_args(annotation))
        else:
            kind = getattr(annotation, "__name__", str(annotation))
        default = spec.get_default(call_default_factory=True)
        rows.append(
            (
                name,
                kind,
                "(from the data)" if default is None else str(_jsonable(default)),
                spec.description or "",
            )
        )
    return rows


# --------------------------------------------------------------------------- edition names

_EDITION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,119}")
_REVISION_SUFFIX = re.compile(r".*\.r[0-9]+")
RESERVED_EDITIONS = {"latest", "drafts", "index.html", "official"}
# Names Windows will not create (with any extension), compared case-insensitively.
_WINDOWS = {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}


def check_edition_name(name: str, *, revision: bool = False) -> str:
    """An edition name is one plain folder name inside output/: nothing that can escape it,
    nothing reserved on any file system, and no `.rN` suffix (those name revisions)."""
    lowered = name.lower()
    if (
        not _EDITION_RE.fullmatch(name)
        or ".." in name
        or name.endswith(".")
        or lowered in RESERVED_EDITIONS
        or lowered.split(".")[0] in _WINDOWS
    ):
        raise ParamError(
            f"edition name {shown(name)} is not allowed: use letters, digits, '.', '_', '+' "
            "or '-' (no path separators, no '..', not starting with '.' or '-', not 'latest', "
            "'drafts', or a name Windows reserves such as 'con' or 'nul')"
        )
    if not revision and _REVISION_SUFFIX.fullmatch(name):
        raise ParamError(
            f"edition name {shown(name)} is not allowed: a '.rN' suffix names a revision, "
            "which `brief publish --erratum` makes"
        )
    return name


def _slug(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "x"


def edition_name(resolved: Resolved, date_key: str = "as_of") -> str:
    """Deterministic name: the as-of date, then `_name-value` for each non-default parameter."""
    head = str(resolved.values.get(date_key) or "edition")
    tail = "".join(
        f"_{name}-{_slug(value)}"
        for name, value in resolved.values.items()
        if name != date_key and name not in resolved.defaults
    )
    return check_edition_name(head + tail)
