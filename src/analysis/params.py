"""The brief's parameters: one typed model, the single source of truth for defaults.

The `brief` machinery loads this model through `[tool.brief] params` in pyproject.toml,
validates every `-p key=value` and params file against it (unknown names, wrong types and
impossible values are errors), and hands the resolved values to the notebooks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

# Second partner shown beside China: any actor of the events vocabulary but the two subjects.
PARTNERS: dict[str, str] = {"RUS": "Russia", "USA": "United States", "KOR": "South Korea"}
_PARTNER_ALIASES = {
    "russia": "RUS",
    "rus": "RUS",
    "united states": "USA",
    "united-states": "USA",
    "us": "USA",
    "usa": "USA",
    "south korea": "KOR",
    "south-korea": "KOR",
    "kor": "KOR",
    "rok": "KOR",
}
TRADE_SERIES: dict[str, str] = {
    "GACC": "China's customs (GACC)",
    "KOTRA": "KOTRA's reconstruction of North Korea's trade",
}
EARLIEST_START = dt.date(2000, 1, 1)


class BriefParams(BaseModel):
    """Parameters of one edition. `as_of=None` means: the latest publication date in the data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: dt.date | None = None
    start: dt.date = dt.date(2013, 1, 1)
    compare_with: Literal["RUS", "USA", "KOR"] = "RUS"
    trade_series: Literal["GACC", "KOTRA"] = "GACC"

    # Shown to users next to each name (brief render --help-params, the colophon).
    descriptions: ClassVar[dict[str, str]] = {
        "as_of": "date (YYYY-MM-DD): the edition uses only information published by then; "
        "default: the latest publication date in the data",
        "start": "date (YYYY-MM-DD) the analysis window opens",
        "compare_with": f"second partner shown beside China: one of {', '.join(PARTNERS)}",
        "trade_series": f"lead China–North Korea trade series: one of {', '.join(TRADE_SERIES)}",
    }

    @field_validator("compare_with", mode="before")
    @classmethod
    def _partner_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _PARTNER_ALIASES.get(value.strip().lower(), value.strip().upper())
        return value

    @field_validator("trade_series", mode="before")
    @classmethod
    def _series_upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("as_of", "start", mode="before")
    @classmethod
    def _strict_date(cls, value: Any) -> Any:
        # Accept only ISO dates (YAML may already give a date); no timestamps, no numbers.
        if isinstance(value, dt.datetime):
            raise ValueError("give a date (YYYY-MM-DD), not a date and time")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("give a date as YYYY-MM-DD")
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a date of the form YYYY-MM-DD") from None
        return value

    @field_validator("start")
    @classmethod
    def _start_in_range(cls, value: dt.date) -> dt.date:
        if value < EARLIEST_START:
            raise ValueError(f"must be on or after {EARLIEST_START} (the data begins in 2000)")
        return value

    @model_validator(mode="after")
    def _window_is_possible(self) -> BriefParams:
        today = dt.date.today()
        if self.as_of is not None:
            if self.as_of > today:
                raise ValueError(f"as_of {self.as_of} is in the future (today is {today})")
            if self.as_of < self.start:
                raise ValueError(f"as_of {self.as_of} is before start {self.start}")
        return self

    def resolved(self, latest_publication: dt.date) -> BriefParams:
        """Fill `as_of` from the data (never the wall clock) and re-check the window."""
        if self.as_of is not None:
            return self
        return type(self).model_validate({**self.model_dump(), "as_of": latest_publication})


def partner_name(code: str) -> str:
    return PARTNERS[code]
