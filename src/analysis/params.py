"""The brief's parameters: one typed model, the single source of truth for defaults.

The `brief` machinery loads this model through `[tool.brief] params` in pyproject.toml,
validates every `-p key=value` and params file against it (unknown names, wrong types and
impossible values are errors), and hands the resolved values to the notebooks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from analysis import registry

# The vocabularies come from the registry: a new partner or lead series is one entry there.
PARTNERS: dict[str, str] = {code: registry.name(code) for code in registry.comparable()}
TRADE_SERIES: dict[str, str] = {
    code: registry.SERIES[code].label for code in registry.lead_series()
}
Partner = Literal[registry.comparable()]  # type: ignore[valid-type]
# The brief's languages: one sentence catalogue each (src/analysis/catalogue/<lang>/).
Language = Literal["en", "ko"]
TradeSeries = Literal[registry.lead_series()]  # type: ignore[valid-type]
EARLIEST_START = dt.date(2000, 1, 1)


class BriefParams(BaseModel):
    """Parameters of one edition. `as_of=None` means: the latest publication date in the data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Each description is shown to users next to the name (JSON schema, help, colophon).
    as_of: dt.date | None = Field(
        None,
        description="date (YYYY-MM-DD): the edition uses only information published by then; "
        "default: the latest publication date in the data",
    )
    start: dt.date = Field(
        dt.date(2013, 1, 1), description="date (YYYY-MM-DD) the analysis window opens"
    )
    compare_with: Partner = Field(
        registry.DEFAULT_PARTNER,
        description=f"second partner shown beside China: one of {', '.join(PARTNERS)}",
    )
    trade_series: TradeSeries = Field(
        registry.DEFAULT_SERIES,
        description=f"lead China–North Korea trade series: one of {', '.join(TRADE_SERIES)}",
    )

    # No notebook declares `lang`: every notebook writes every language, and the machinery
    # ([tool.brief] language_param) picks this one before assembly, so the twins of an
    # edition in two languages share one execution.
    lang: Language = Field(
        "en", description="language of the edition's text: en (English) or ko (Korean)"
    )

    @field_validator("compare_with", mode="before")
    @classmethod
    def _partner_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            return registry.partner_alias(value)
        return value

    @field_validator("lang", mode="before")
    @classmethod
    def _lang_lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

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
    return registry.name(code)
