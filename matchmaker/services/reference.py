"""Reference data shipped with the platform: the national S&T field classification and the city's priorities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import get_locale

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Named:
    """A code with its Vietnamese and English names."""

    code: str
    name_vi: str
    name_en: str
    parent: str | None = None

    def name(self, locale: str | None = None) -> str:
        locale = locale or str(get_locale() or "vi")
        return (
            self.name_en if locale.startswith("en") and self.name_en else self.name_vi
        )


def _load(name: str) -> list[dict]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def science_fields() -> dict[str, Named]:
    """Every group and sub-field of the national classification, by code (groups first)."""
    fields: dict[str, Named] = {}
    for group in _load("science_fields.json"):
        fields[group["code"]] = Named(group["code"], group["name_vi"], group["name_en"])
        for child in group.get("children", []):
            fields[child["code"]] = Named(
                child["code"], child["name_vi"], child["name_en"], group["code"]
            )
    return fields


@cache
def priority_areas() -> dict[str, Named]:
    """The city's priority areas, by key."""
    return {
        row["key"]: Named(row["key"], row["name_vi"], row["name_en"])
        for row in _load("priority_areas.json")
    }


def subfield_choices() -> list[tuple[str, str, str]]:
    """(code, label, group label) for every sub-field, in classification order."""
    fields = science_fields()
    return [
        (f.code, f"{f.code} · {f.name()}", fields[f.parent].name())
        for f in fields.values()
        if f.parent is not None
    ]


def field_name(code: str | None) -> str:
    """The sub-field's name in the current language, or the code itself when unknown."""
    field = science_fields().get(code or "")
    return field.name() if field else (code or "")


def priority_area_name(key: str | None) -> str:
    """The priority area's name in the current language."""
    area = priority_areas().get(key or "")
    return area.name() if area else (key or "")
