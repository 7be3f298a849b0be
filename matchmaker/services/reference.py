"""Reference data shipped with the platform: the national S&T field classification and the city's priorities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask_babel import get_locale

from matchmaker.services import text_filter

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


def in_field(column: sa.ColumnElement[str], code: str) -> sa.ColumnElement[bool]:
    """Whether ``column`` holds the field ``code`` or one of its sub-fields (codes that start with it).

    The classification's codes are digits, so the codes starting with "109" are those from "109" up to,
    not including, "11": a range an index on the column answers (``LIKE '109%'`` is not, on SQLite, whose
    ``LIKE`` ignores case, nor on PostgreSQL outside the C collation), and that every collation orders
    alike. A code that is not digits can only be itself.
    """
    if not (code.isascii() and code.isdigit()):
        return column == code
    stem = code.rstrip("9")
    if not stem:  # "9", "99": every code from there on
        return column >= code
    return sa.and_(column >= code, column < stem[:-1] + str(int(stem[-1]) + 1))


def _field_words(query: str | None) -> list[str]:
    # "2.02" or "2 02" as typed from a printed classification is the code "202".
    words = text_filter.query_text(query).split()
    if words and all(w.replace(".", "").isdigit() for w in words):
        return ["".join(words).replace(".", "")]
    return words


def find_subfields(query: str | None) -> list[tuple[str, str, str]]:
    """The sub-fields (as :func:`subfield_choices`) whose code, name or group name, in Vietnamese or in
    English, contains every word of ``query``, case and accents ignored; all of them for an empty query."""
    fields = science_fields()
    words = _field_words(query)
    found = []
    for code, label, group in subfield_choices():
        field = fields[code]
        parent = fields[field.parent or ""]
        names = (code, field.name_vi, field.name_en, parent.name_vi, parent.name_en)
        haystack = text_filter.fold(" ".join(names))
        if all(word in haystack for word in words):
            found.append((code, label, group))
    return found


# The provinces an institution may be in: Cần Thơ city as merged on 1 July 2025 (Resolution 202/2025/QH15:
# with the former Sóc Trăng and Hậu Giang), the other Mekong Delta provinces after the same merger
# (An Giang with Kiên Giang, Cà Mau with Bạc Liêu, Đồng Tháp with Tiền Giang, Vĩnh Long with Bến Tre and
# Trà Vinh, Tây Ninh with Long An), then the two cities many partners come from. Proper names: not translated.
HOME_PROVINCE = "Thành phố Cần Thơ"
PROVINCES = (
    HOME_PROVINCE,
    "An Giang",
    "Cà Mau",
    "Đồng Tháp",
    "Vĩnh Long",
    "Tây Ninh",
    "Thành phố Hồ Chí Minh",
    "Thành phố Hà Nội",
)
