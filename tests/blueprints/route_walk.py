"""Walks every route of the app with hostile input: the URLs of ``app.url_map`` with real rows, the query
parameters the views read and the fields of every form class, so a new route, parameter or field is covered
without touching the tests that use it (test_hostile_input.py, test_abuse*.py).
"""

from __future__ import annotations

import inspect
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
from form_walk import form_classes, leaves
from werkzeug.routing import AnyConverter
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FileField,
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectFieldBase,
)

import matchmaker
from matchmaker.extensions import db
from matchmaker.inputs import CONTROL_CHARACTERS
from tests.fixtures.constants import PASSWORD

BLUEPRINTS = Path(matchmaker.__file__).parent / "blueprints"
HUGE = "9223372036854775807"
HUGER = "99999999999999999999999999"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- what to send: routes, query parameters and form fields, found in the code ----------------------------


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in BLUEPRINTS.rglob("*.py"))


def query_names() -> set[str]:
    """Every query parameter a view reads, and the search facets."""
    from matchmaker.blueprints.search.views import FACETS

    found = set(re.findall(r"args\.get(?:list)?\(\s*\"(\w+)\"", _sources()))
    return found | set(FACETS) | {"q", "page", "next", "sort"}


def form_fields(app, milestone_id: int) -> dict[str, dict[str, object]]:
    """The fields each form class posts (with the prefixes the views give it), by class name.

    ``""`` holds the names views read from ``request.form`` directly.
    """
    prefixes: dict[str, set[str]] = {}
    for cls_name, prefix in re.findall(r"(\w+)\(\s*prefix=f?\"([^\"]+)\"", _sources()):
        prefixes.setdefault(cls_name, set()).add(
            re.sub(r"\{[^}]*\}", str(milestone_id), prefix)
        )
    forms: dict[str, dict[str, object]] = {}
    with app.test_request_context():
        for cls in form_classes():
            fields = forms.setdefault(cls.__name__, {})
            for prefix in {""} | prefixes.get(cls.__name__, set()):
                form = cls(formdata=None, prefix=prefix, meta={"csrf": False})
                for field in leaves(form):
                    fields.setdefault(field.name, field)
    plain = re.findall(r"request\.form\.get(?:list)?\(\s*\"(\w+)\"", _sources())
    forms[""] = dict.fromkeys(plain)
    return forms


def route_fields(
    app, endpoint: str, forms: dict[str, dict[str, object]]
) -> dict[str, object]:
    """The fields of the forms ``endpoint``'s view builds (every form's fields if it names none)."""
    view = inspect.unwrap(app.view_functions[endpoint])
    source = inspect.getsource(view)
    module = inspect.getmodule(view)
    for helper in set(
        re.findall(r"\b(_\w+)\(", source)
    ):  # the view's own helpers, one level down
        if inspect.isfunction(getattr(module, helper, None)):
            source += inspect.getsource(getattr(module, helper))
    used = [name for name in forms if name and re.search(rf"\b{name}\b", source)]
    fields = dict(forms[""])
    for name in used or [n for n in forms if n]:
        fields.update(forms[name])
    return fields


class _Choices(HTMLParser):
    """The first real option of every select, and the value of every hidden input and checkbox, of a page."""

    def __init__(self, found: dict[str, str]) -> None:
        super().__init__()
        self.found, self.select = found, None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        name, value = attrs.get("name"), attrs.get("value")
        if tag == "select":
            self.select = name
        elif tag == "option" and self.select and value:
            self.found.setdefault(self.select, value)
        elif (
            tag == "input"
            and name
            and value
            and attrs.get("type") in ("hidden", "checkbox", "radio")
        ):
            self.found.setdefault(name, value)

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self.select = None


def page_choices(client, urls: list[str]) -> dict[str, str]:
    """Real choices and hidden values (versions) from every page the signed-in identity may open."""
    found: dict[str, str] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            _Choices(found).feed(response.get_data(as_text=True))
    return found


def good_value(field, choices: dict[str, str]) -> str | None:
    """A plausible value for ``field`` (None for a file), which hostile payloads then spoil."""
    name = getattr(field, "name", None)
    if name in choices:
        return choices[name]
    if isinstance(field, FileField | MultipleFileField):
        return None
    if isinstance(field, DateTimeLocalField):
        return "2030-01-01T10:00"
    if isinstance(field, DateField):
        return "2027-06-01"
    if isinstance(field, IntegerField | DecimalField | FloatField):
        return "5"
    if isinstance(field, BooleanField):
        return "y"
    if isinstance(field, EmailField):
        return "nul@example.com"
    if isinstance(field, PasswordField):
        return PASSWORD
    if isinstance(field, SelectFieldBase):
        return "1"
    if isinstance(field, HiddenField):
        return "1"
    return "Thử nghiệm mặn"


def with_controls(value: str) -> str:
    """``value`` with NUL and other control characters inside: once they are stripped, it is valid again."""
    return f"{value[:1]}\x00\x01\x1b{value[1:3]}\x7f\x85\x9f{value[3:]}"


NUMBERS = (IntegerField, DecimalField, FloatField, HiddenField)
TYPED = (SelectFieldBase, DateField, DateTimeLocalField, BooleanField)


def post_payloads(
    fields: dict[str, object], choices: dict[str, str], payload: str
) -> list[dict]:
    """The forms to send: NUL in every value; or a huge / negative number in each numeric field in turn
    (so a bounded field cannot hide an unbounded one) and then in every field one can type in; ``overflow``
    (1e309, infinite as a float), ``nan`` and ``sql`` (an injection string) likewise."""
    good = {
        name: good_value(field, choices)
        if field is not None
        else choices.get(name, "1")
        for name, field in fields.items()
    }
    if payload == "nul":
        data = {
            name: with_controls(value)
            for name, value in good.items()
            if value is not None
        }
        files = [name for name, value in good.items() if value is None]
        return [
            data
            | {name: (io.BytesIO(PDF), "tệp\x00\x01 báo cáo.pdf") for name in files}
        ]
    number = {"huge": "1e309", "negative": "-5", "overflow": "1e309", "nan": "NaN"}.get(
        payload, SQL_INJECTIONS[1]
    )
    base = {name: value for name, value in good.items() if value is not None}
    numeric = [name for name, field in fields.items() if isinstance(field, NUMBERS)]
    everywhere = {
        name: value if isinstance(fields[name], TYPED) else number
        for name, value in base.items()
    }
    # Each numeric field in turn gets a huge integer (``huge``) or the payload's number; then every field.
    each = HUGER if payload == "huge" else number
    return [base | {name: each} for name in numeric] + [everywhere]


# How ``make abuse`` runs the same tests deeper: every payload, more examples (MATCHMAKER_ABUSE=deep).
DEEP = os.environ.get("MATCHMAKER_ABUSE") == "deep"
PAYLOADS = ("huge", "negative", "nul") + (("overflow", "nan", "sql") if DEEP else ())


# Strings a careless query would run as SQL, and numbers no column holds: in any parameter, never a 500.
SQL_INJECTIONS = (
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    "1 UNION SELECT password_hash FROM users--",
    "%' AND 1=0 --",
    "\\'; SELECT pg_sleep(5); --",
)
ODD_NUMBERS = (str(10**30), "-1", "NaN", "1e309", "-0", "0x10", "١٢")
# The right-to-left override turns "cod.exe" into what reads as "exe.doc": stripped like control characters.
RTL_OVERRIDE = "\u202e"


def query_strings(names: set[str], deep: bool = False) -> list[dict[str, str]]:
    """Hostile query strings: NUL, control characters, huge and negative numbers, SQL injection, and (deep)
    every odd number and injection string in turn."""
    sets = [
        {name: "\x00" for name in names},
        {name: with_controls("Cần Thơ") + RTL_OVERRIDE for name in names}
        | {"page": HUGE},
        {name: "-5" for name in names} | {"page": "-5"},
        {name: HUGER for name in names} | {"page": HUGE},
        {name: SQL_INJECTIONS[0] for name in names} | {"page": "1e309"},
    ]
    if deep:
        sets += [
            {name: value for name in names}
            for value in SQL_INJECTIONS[1:] + ODD_NUMBERS
        ]
    return sets


def routes(app, world, method: str) -> list[tuple[str, str]]:
    """A URL for every rule accepting ``method``: rows that exist, string segments with a NUL inside."""
    strings = {"slug": world.slug + "\x00", "token": "x\x00y", "code": "vi\x00", "action": "sub\x00mit"}  # fmt: skip
    urls = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint.endswith("static"):
            continue
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            else:
                values[name] = world.ids.get(name, strings.get(name, "x\x00"))
        path = rule.rule
        for name, value in values.items():
            path = re.sub(
                rf"<(?:[^:>]+:)?{name}>", str(value).replace("\x00", "%00"), path
            )
        urls.append((path, rule.endpoint))
    # Signing out last, so the identity holds for the other routes.
    return sorted(urls, key=lambda url: url[0].endswith("/logout"))


def database_values_matching(pattern: re.Pattern) -> list[str]:
    """Every (table, column, value) of the database matching ``pattern``, inside JSON values too."""
    found = []

    def walk(value, where):
        if isinstance(value, str):
            if pattern.search(value):
                found.append(f"{where}: {value!r}")
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, where)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, where)

    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    walk(value, f"{table.name}.{column}")
    return found


def control_characters_in_database() -> list[str]:
    """Every (table, column, value) holding a control character other than tab and line breaks."""
    return database_values_matching(CONTROL_CHARACTERS)


def sign_in(client, who) -> None:
    if who is not None:
        response = client.post(
            "/auth/login", data={"email": who.email, "password": PASSWORD}
        )
        assert response.status_code == 302


class _Executable(HTMLParser):
    """What in a page would run a payload: a script holding it, an on* handler, a javascript: link."""

    LINKS = ("href", "src", "action", "formaction", "data", "srcdoc")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        self.in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in self.LINKS and value.replace("\t", "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "svg", "iframe") and ("src", "x") in attrs:
            self.found.append(f"<{tag} src=x>")

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data) -> None:
        if self.in_script and "alert(1)" in data:
            self.found.append(f"<script>{data[:60]}")


def executable_markup(html: str) -> list[str]:
    parser = _Executable()
    parser.feed(html)
    return parser.found
