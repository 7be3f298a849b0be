"""Every route of the app, with hostile input: NUL and other control characters, huge and negative numbers.

The routes come from ``app.url_map``, the query parameters from the blueprints' source, and the POSTed
fields from every form class, so a new route, parameter or field is covered without touching this file.
No answer may be a 500, and no control character may reach the database.
"""

from __future__ import annotations

import inspect
import io
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
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
from matchmaker.models import (
    Attachment,
    Enterprise,
    ImportBatch,
    IPAsset,
    IPKind,
    IPStatus,
    Milestone,
    NeedInterest,
    OutboxMessage,
    Project,
    Proposal,
    Publication,
    ResearcherProfile,
    ResearchOrder,
    Role,
    TechNeed,
)
from tests.fixtures.constants import PASSWORD

BLUEPRINTS = Path(matchmaker.__file__).parent / "blueprints"
HUGE = "9223372036854775807"
HUGER = "99999999999999999999999999"
START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
AWARD = {
    "contract_number": "05/HĐ-SKHCN", "contract_value": 900_000_000,
    "start_date": date(2026, 11, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [
        {"amount": 600_000_000, "due_date": date(2027, 12, 1), "label": "Đợt 1"},
        {"amount": 300_000_000, "due_date": date(2028, 6, 1), "label": "Đợt 2"},
    ],
}  # fmt: skip
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- a small world: one row of every kind a route may name -------------------------------------------------


@pytest.fixture
def hostile_world(
    make_user, agency, make_institution, make_awarded_order
) -> SimpleNamespace:
    university = make_institution("dhct", "Trường Đại học Cần Thơ")
    admin = make_user(Role.ADMIN)
    official = make_user(Role.OFFICIAL, institution=agency, can_approve=True)
    pi = make_user(Role.RESEARCHER, institution=university)
    member = make_user(Role.RESEARCHER, institution=university)
    representative = make_user(Role.ENTERPRISE)
    profile = ResearcherProfile(user=pi, keywords=["mặn"], links=[])
    enterprise = Enterprise(
        slug="gao-vang", name="Công ty Gạo Vàng", tax_code="0100109106"
    )
    db.session.add(enterprise)
    enterprise.representatives.append(representative)
    need = TechNeed(enterprise=enterprise, title="Sấy lúa", description="Lúa ẩm")
    db.session.add_all(
        [
            profile,
            enterprise,
            need,
            NeedInterest(need=need, user=pi, message="Xin chào"),
            Publication(researcher=profile, title="Xâm nhập mặn", title_key="xam nhap man"),
            IPAsset(researcher=profile, kind=IPKind.PATENT, title="Máy đo", status=IPStatus.FILED),
            OutboxMessage(recipient=pi.email, subject="s", body="b", sent=True),
            Project(title="Bản đồ mặn", institution_id=university.id),
        ]
    )  # fmt: skip
    db.session.commit()
    order = make_awarded_order(
        START, START + timedelta(days=14), START + timedelta(days=20), AWARD, pi=pi, members=[member],
        started=True, by=official, approver=official, title="Cảnh báo xâm nhập mặn",
    )  # fmt: skip
    db.session.add_all(
        [
            Milestone(
                order_id=order.id, title="Báo cáo", deliverable="", due_date=date(2027, 6, 1),
                created_by_id=official.id, submission_note="", evidence="",
            ),
            Attachment(
                order_id=order.id, filename="a.pdf", size=5, sha256="0" * 64,
                storage_key="k" * 32,
            ),
            ImportBatch(user_id=pi.id, kind="publications", target_id=profile.id, payload=[]),
            ImportBatch(user_id=admin.id, kind="staff", target_id=university.id, payload=[]),
            ImportBatch(user_id=admin.id, kind="projects", target_id=university.id, payload=[]),
        ]
    )  # fmt: skip
    db.session.commit()
    ids = {
        name: db.session.scalar(sa.select(sa.func.min(model.id)))
        for name, model in {
            "message_id": OutboxMessage, "enterprise_id": Enterprise, "interest_id": NeedInterest,
            "need_id": TechNeed, "order_id": ResearchOrder, "attachment_id": Attachment,
            "milestone_id": Milestone, "proposal_id": Proposal, "project_id": Project,
            "researcher_id": ResearcherProfile, "asset_id": IPAsset, "publication_id": Publication,
            "batch_id": ImportBatch,
        }.items()
    }  # fmt: skip
    ids["user_id"] = member.id
    return SimpleNamespace(ids=ids, admin=admin, official=official, pi=pi, slug="dhct")


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
    (so a bounded field cannot hide an unbounded one) and then in every field one can type in."""
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
    number = {"huge": HUGER, "negative": "-5"}[payload]
    base = {name: value for name, value in good.items() if value is not None}
    numeric = [name for name, field in fields.items() if isinstance(field, NUMBERS)]
    everywhere = {
        name: value if isinstance(fields[name], TYPED) else number
        for name, value in base.items()
    }
    return [base | {name: number} for name in numeric] + [everywhere]


PAYLOADS = ("huge", "negative", "nul")


def query_strings(names: set[str]) -> list[dict[str, str]]:
    return [
        {name: "\x00" for name in names},
        {name: with_controls("Cần Thơ") for name in names} | {"page": HUGE},
        {name: "-5" for name in names} | {"page": "-5"},
        {name: HUGER for name in names} | {"page": HUGE},
    ]


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


def control_characters_in_database() -> list[str]:
    """Every (table, column, value) holding a control character other than tab and line breaks."""
    found = []

    def walk(value, where):
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
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


def _sign_in(client, who) -> None:
    if who is not None:
        response = client.post(
            "/auth/login", data={"email": who.email, "password": PASSWORD}
        )
        assert response.status_code == 302


IDENTITIES = ["visitor", "admin", "official", "pi"]


# --- the tests -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", ["visitor", "admin", "pi"])
def test_every_get_route_survives_hostile_query_strings(
    app, client, hostile_world, identity
):
    _sign_in(client, getattr(hostile_world, identity, None))
    failures, requests = [], 0
    for url, _endpoint in routes(app, hostile_world, "GET"):
        for query in query_strings(query_names()):
            response = client.get(url, query_string=query)
            requests += 1
            if response.status_code >= 500:
                failures.append(
                    f"{response.status_code} GET {url} {sorted(query.items())[:3]}…"
                )
    assert requests > 150
    assert failures == []


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_post_route_survives_hostile_forms(
    app, client, hostile_world, identity, payload
):
    _sign_in(client, getattr(hostile_world, identity, None))
    forms = form_fields(app, hostile_world.ids["milestone_id"])
    choices = page_choices(
        client, [url for url, _endpoint in routes(app, hostile_world, "GET")]
    )
    failures, saved, sent = [], 0, 0
    for url, endpoint in routes(app, hostile_world, "POST"):
        for data in post_payloads(route_fields(app, endpoint, forms), choices, payload):
            response = client.post(url, data=data, content_type="multipart/form-data")
            saved, sent = saved + (response.status_code == 302), sent + 1
            if response.status_code >= 500:
                failures.append(
                    f"{response.status_code} POST {url} {sorted(data)[:4]}…"
                )
    assert failures == []
    assert control_characters_in_database() == []
    assert sent >= 50
    if identity != "visitor" and payload == "nul":
        # Stripped of their control characters, the values are valid: some submissions went through.
        assert saved >= 3
