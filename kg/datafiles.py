"""The domain knowledge under ``ontology/``, checked when it is read.

Each JSON file has a pydantic model of what it must hold: a missing file, a
file that is not JSON, a misspelt key or a value of the wrong type stops kg
with one message naming the file and the place in it, instead of a gazetteer
that is silently empty or a ``KeyError`` deep in extraction. Keys starting with
``_comment`` are notes for people and are ignored. (``cue_phrases.jsonl`` is
checked line by line where it is read: ``kg.extract.cue_phrases``.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class DataFileError(ValueError):
    """An ontology data file that is missing or does not hold what it must."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_comments(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not str(k).startswith("_comment")}
        return data


class CeremonySpec(_Strict):
    name: str  # "{ordinal} Primetime Emmy Awards"
    first_year: int
    month: int | None = Field(default=None, ge=1, le=12)
    aliases: list[str] = []
    skipped_years: list[int] = []


class AwardSpec(_Strict):
    name: str
    aliases: list[str] = []
    presenter: str | None = None
    ceremony: CeremonySpec
    categories: list[str]
    former_categories: list[str] = []


class AwardsFile(_Strict):
    awards: list[AwardSpec]


class NamedThing(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    kind: str | None = None  # networks: "network", "streaming" ...
    cue_only: bool = False  # outlets: named only after a cue ("told Variety")
    twitter_handles: list[str] = []
    city: str | None = None  # venues


class NetworksFile(_Strict):
    networks: list[NamedThing]


class OutletsFile(_Strict):
    outlets: list[NamedThing]


class OrganizationsFile(_Strict):
    organizations: list[NamedThing]


class VenuesFile(_Strict):
    venues: list[NamedThing]


class NicknamesFile(_Strict):
    nicknames: dict[str, list[str]]


class CategoryRulesFile(_Strict):
    synonyms: dict[str, str]
    ignored: list[str]
    soft: list[str]
    connectors: list[str]
    openers: list[str]
    role_words: list[str]
    head_words: list[str]
    lead_word: str
    supporting_word: str
    artist_words: list[str]
    record_words: list[str]
    performer_words: list[str]
    female_words: list[str]
    acting_words: list[str]
    alternates: dict[str, list[str]]


class CuesFile(BaseModel):
    """Cue word lists by name (extractors ask for them by key), and the credit
    roles their nouns name."""

    model_config = ConfigDict(extra="allow", strict=True)

    credit_roles: dict[str, str]

    @model_validator(mode="before")
    @classmethod
    def _word_lists(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            if key.startswith("_comment") or key == "credit_roles":
                continue
            if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
                raise ValueError(f"{key}: expected a list of words")
        return data


def read_data(path: Path, model: type[BaseModel]) -> dict[str, Any]:
    """The JSON object in ``path``, once ``model`` accepts it; any problem is a
    ``DataFileError`` that names the file and where in it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{path}: missing (kg's ontology data file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})") from None
    try:
        model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DataFileError(f"{path}: {where}: {first['msg']}{more}") from None
    return data


__all__ = ["AwardsFile", "CategoryRulesFile", "CuesFile", "DataFileError", "NetworksFile",
           "NicknamesFile", "OrganizationsFile", "OutletsFile", "VenuesFile", "read_data"]
