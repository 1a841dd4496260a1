"""Parameters from the command line and files, validated against the project's model.

Unknown names, wrong types and impossible values are errors that name the parameter;
nothing is silently dropped (papermill only warns, Quarto drops them: we refuse).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


class ParamError(Exception):
    """A parameter problem; the message names the parameter or file and what is wrong."""


@dataclass(frozen=True)
class Resolved:
    """Parameters with every default filled in, as JSON-friendly values."""

    values: dict[str, Any]
    defaults: frozenset[str]  # names whose value is the model's default

    @property
    def non_default(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if k not in self.defaults}


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """`-p key=value` options, in order; a later one wins."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParamError(f"-p {pair!r}: write parameters as -p name=value")
        values[key.strip()] = value.strip()
    return values


def read_params_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamError(f"params file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamError(f"params file {path}: cannot be read ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParamError(f"params file {path}: not valid YAML ({exc})".replace("\n", " ")) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ParamError(f"params file {path}: must be a mapping of parameter names to values")
    return data


def _describe(error: dict[str, Any], model: type[BaseModel]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    message = error.get("msg", "invalid").removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        known = ", ".join(model.model_fields)
        return f"unknown parameter '{loc}' (known parameters: {known})"
    if not loc:
        return message
    given = error.get("input")
    shown = f" (given {given!r})" if isinstance(given, (str, int, float, bool)) else ""
    return f"parameter '{loc}'{shown}: {message}"


def validate(model: type[BaseModel], raw: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(e, model) for e in exc.errors()]
        raise ParamError("; ".join(problems)) from None


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def resolve(model: type[BaseModel], raw: dict[str, Any], latest: dt.date) -> Resolved:
    """Validate, fill `as_of`-style defaults from the data, and note which are defaults."""
    params = validate(model, raw)
    if hasattr(params, "resolved"):
        try:
            params = params.resolved(latest)
        except ValidationError as exc:
            raise ParamError("; ".join(_describe(e, model) for e in exc.errors())) from None
    values = {k: _jsonable(v) for k, v in params.model_dump().items()}
    defaults = set()
    for name, field in model.model_fields.items():
        default = _jsonable(field.get_default(call_default_factory=True))
        if values[name] == default or (default is None and name not in raw):
            defaults.add(name)
    return Resolved(values=values, defaults=frozenset(defaults))


_EDITION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,119}$")
RESERVED_EDITIONS = {"latest", "index.html", "OFFICIAL"}


def check_edition_name(name: str) -> str:
    """An edition name is one plain folder name inside output/: nothing that can escape it."""
    if (
        not _EDITION_RE.match(name)
        or ".." in name
        or name in RESERVED_EDITIONS
        or name.endswith(".")
    ):
        raise ParamError(
            f"edition name {name!r} is not allowed: use letters, digits, '.', '_', '+' or '-' "
            "(no path separators, no '..', not starting with '.' or '-', not 'latest')"
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
