"""Past projects from a CSV file: read and check every row, then create them all or nothing."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.extensions import db
from matchmaker.matching.text import fold
from matchmaker.models import ImportBatch, Institution, Project, ProjectStatus, User
from matchmaker.services import events, policy, reference, staging
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.imports import (
    ImportProblem,
    csv_error,
    csv_reader,
    csv_text,
    numbered_rows,
)
from matchmaker.services.projects import registry as projects

if TYPE_CHECKING:
    from _csv import Reader

IMPORT_KIND = "projects"
MAX_ROWS = 2000
REQUIRED = ("title", "pi_name")
# Header names after folding (lower case, no accents, "_" as a space), English or Vietnamese.
_ALIASES = {
    "title": "title", "ten de tai": "title", "ten du an": "title", "ten nhiem vu": "title",
    "summary": "summary", "tom tat": "summary", "mo ta": "summary",
    "pi name": "pi_name", "pi": "pi_name", "chu nhiem": "pi_name", "chu nhiem de tai": "pi_name",
    "pi email": "pi_email", "email chu nhiem": "pi_email",
    "team": "team", "thanh vien": "team", "nhom nghien cuu": "team",
    "field": "field_code", "field code": "field_code", "linh vuc": "field_code",
    "priority area": "priority_area", "linh vuc uu tien": "priority_area",
    "start year": "start_year", "nam bat dau": "start_year",
    "end year": "end_year", "nam ket thuc": "end_year",
    "status": "status", "tinh trang": "status", "trang thai": "status",
    "budget": "budget", "kinh phi": "budget",
    "products": "products", "san pham": "products", "ket qua": "products",
    "ip": "ip", "so huu tri tue": "ip",
    "applied at": "applied_at", "noi ung dung": "applied_at", "dia chi ung dung": "applied_at",
}  # fmt: skip
_STATUSES = {
    "completed": ProjectStatus.COMPLETED, "hoan thanh": ProjectStatus.COMPLETED,
    "da nghiem thu": ProjectStatus.COMPLETED, "in progress": ProjectStatus.IN_PROGRESS,
    "dang thuc hien": ProjectStatus.IN_PROGRESS, "in application": ProjectStatus.IN_APPLICATION,
    "dang ung dung": ProjectStatus.IN_APPLICATION, "terminated": ProjectStatus.TERMINATED,
    "cham dut": ProjectStatus.TERMINATED, "dung": ProjectStatus.TERMINATED,
}  # fmt: skip
_TEAM_SPLIT = re.compile(r"[;|\n]")


@dataclass(frozen=True)
class ProjectRow:
    """One valid row; ``line`` is where it starts in the file (header = 1)."""

    line: int
    title: str
    pi_name: str
    summary: str = ""
    pi_email: str = ""
    team: tuple[str, ...] = ()
    field_code: str = ""
    priority_area: str = ""
    start_year: int | None = None
    end_year: int | None = None
    status: str = ProjectStatus.COMPLETED.value
    budget: int | None = None
    products: str = ""
    ip: str = ""
    applied_at: str = ""

    def as_input(self, institution_id: int) -> projects.ProjectInput:
        values = {k: v for k, v in asdict(self).items() if k != "line"}
        values["team"] = tuple(values["team"])
        values["status"] = ProjectStatus(self.status)
        return projects.ProjectInput(institution_id=institution_id, **values)


@dataclass(frozen=True)
class ProjectReport:
    """The dry run: the valid rows, every problem, and the batch to confirm when there is none.

    ``to_confirm`` holds the lines whose named principal investigator will be asked to confirm.
    """

    batch_id: int | None
    rows: list[ProjectRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    to_confirm: frozenset[int] = frozenset()


def _key(text: str) -> str:
    return " ".join(fold(text).lower().replace("_", " ").split())


def parse_projects_csv(
    data: bytes | str,
) -> tuple[list[ProjectRow], list[ImportProblem]]:
    """Read a project list: UTF-8 (BOM or not), ``,`` or ``;`` separated, with a header row."""
    text, problems = csv_text(data)
    if problems:
        return [], problems
    reader = csv_reader(text)
    try:
        columns, problems = _columns(next(reader))
        return ([], problems) if problems else _read_rows(reader, columns)
    except csv.Error:
        return [], [csv_error(reader)]


def _columns(header: list[str]) -> tuple[list[str], list[ImportProblem]]:
    while header and not header[-1].strip():
        header.pop()
    columns: list[str] = []
    problems: list[ImportProblem] = []
    for cell in header:
        column = _ALIASES.get(_key(cell))
        if column is None or column in columns:
            template = (
                _l("The header has an unknown column “%(name)s”.")
                if column is None
                else _l("The header has the column “%(name)s” twice.")
            )
            problems.append(ImportProblem(1, template % {"name": cell.strip()[:80]}))
        else:
            columns.append(column)
    missing = [c for c in REQUIRED if c not in columns]
    if missing and not problems:
        message = _l("The header has no “%(name)s” column.", name=missing[0])
        problems.append(ImportProblem(1, message))
    return columns, problems


def _read_rows(
    reader: Reader, columns: list[str]
) -> tuple[list[ProjectRow], list[ImportProblem]]:
    rows: list[ProjectRow] = []
    problems: list[ImportProblem] = []
    for count, (line, cells) in enumerate(numbered_rows(reader), start=1):
        if count > MAX_ROWS:
            message = _l(
                "The file has more than %(n)d rows; split it into smaller files.",
                n=MAX_ROWS,
            )
            return [], [ImportProblem(line, message)]
        if any(cell.strip() for cell in cells[len(columns) :]):
            message = _l("Line %(line)d has more columns than the header.", line=line)
            problems.append(ImportProblem(line, message))
            continue
        values = {
            c: unicodedata.normalize("NFC", v).strip()
            for c, v in zip(columns, cells, strict=False)
        }
        row, found = _check_row(line, values)
        problems += found
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append(ImportProblem(1, _l("The file has no project rows.")))
    return rows, problems


def _number(value: str) -> int | None:
    digits = re.sub(r"[\s.,]|đ|vnd|đồng", "", value.lower())
    return int(digits) if digits.isdigit() else None


def _field(value: str) -> str | None:
    fields = reference.science_fields()
    if value in fields and fields[value].parent is not None:
        return value
    wanted = _key(value)
    return next(
        (
            f.code
            for f in fields.values()
            if f.parent and wanted in {_key(f.name_vi), _key(f.name_en)}
        ),
        None,
    )


def _area(value: str) -> str | None:
    wanted = _key(value)
    return next(
        (
            a.code
            for a in reference.priority_areas().values()
            if wanted in {a.code, _key(a.name_vi), _key(a.name_en)}
        ),
        None,
    )


def _check_row(
    line: int, values: dict[str, str]
) -> tuple[ProjectRow | None, list[ImportProblem]]:
    """Check one row; every reason it is rejected is reported."""
    problems: list[str] = []
    fields: dict = {
        k: values.get(k, "")
        for k in (
            "title",
            "pi_name",
            "summary",
            "pi_email",
            "products",
            "ip",
            "applied_at",
        )
    }
    fields["team"] = tuple(
        n.strip() for n in _TEAM_SPLIT.split(values.get("team", "")) if n.strip()
    )
    for name in ("start_year", "end_year", "budget"):
        if values.get(name):
            fields[name] = _number(values[name])
            if fields[name] is None:
                problems.append(_("%(column)s must be a whole number", column=name))
    if values.get("field_code"):
        fields["field_code"] = _field(values["field_code"]) or ""
        if not fields["field_code"]:
            problems.append(
                _("unknown field “%(value)s”", value=values["field_code"][:60])
            )
    if values.get("priority_area"):
        fields["priority_area"] = _area(values["priority_area"]) or ""
        if not fields["priority_area"]:
            problems.append(
                _(
                    "unknown priority area “%(value)s”",
                    value=values["priority_area"][:60],
                )
            )
    if values.get("status"):
        status = _STATUSES.get(_key(values["status"]).replace("_", " "))
        if status is None:
            problems.append(
                _("unknown status “%(value)s”", value=values["status"][:60])
            )
        fields["status"] = status.value if status else ProjectStatus.COMPLETED.value
    row = ProjectRow(line=line, **fields)
    if not problems:
        try:  # the same rules as the form, without writing anything
            projects.check_input(row.as_input(0))
        except ServiceError as error:
            problems.append(error.message)
    if problems:
        message = _(
            "Line %(line)d: %(problems)s.", line=line, problems="; ".join(problems)
        )
        return None, [ImportProblem(line, message)]
    return row, []  # fmt: skip


def _registered_titles(institution: Institution) -> set[str]:
    titles = db.session.scalars(
        sa.select(Project.title).where(Project.institution_id == institution.id)
    )
    return {_key(t) for t in titles}


def preview(institution: Institution, user: User, data: bytes) -> ProjectReport:
    """Check a project list without creating anything; keep it for confirmation if every row is valid."""
    if not policy.may_register_project(
        user
    ) or institution not in projects.institutions_for(user):
        raise NotAllowed(_("You cannot register projects for this institution."))
    rows, problems = parse_projects_csv(data)
    known = _registered_titles(institution)
    seen: dict[str, int] = {}
    for row in rows:
        key = _key(row.title)
        if key in known:
            problems.append(
                ImportProblem(
                    row.line,
                    _l(
                        "Line %(line)d: this project is already registered.",
                        line=row.line,
                    ),
                )
            )
        elif seen.setdefault(key, row.line) != row.line:
            problems.append(
                ImportProblem(
                    row.line,
                    _l(
                        "Line %(line)d repeats line %(first)d.",
                        line=row.line,
                        first=seen[key],
                    ),
                )
            )
    problems.sort(key=lambda p: p.position)
    if not rows or problems:
        return ProjectReport(None, rows, problems)
    payload = [asdict(replace(row, team=list(row.team))) for row in rows]  # type: ignore[arg-type]
    batch = ImportBatch(
        user_id=user.id, kind=IMPORT_KIND, target_id=institution.id, payload=payload
    )
    db.session.add(batch)
    events.commit()
    return ProjectReport(batch.id, rows, [], _to_confirm(user, rows))  # fmt: skip


def _to_confirm(user: User, rows: list[ProjectRow]) -> frozenset[int]:
    """The lines naming a PI whom ``user`` may not link without their confirmation."""
    emails = {row.pi_email.lower() for row in rows if row.pi_email}
    named = {
        u.email: u
        for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))
    }
    return frozenset(
        row.line
        for row in rows
        if row.pi_email.lower() in named
        and not policy.may_link_pi_directly(user, named[row.pi_email.lower()])
    )


def confirm(institution: Institution, user: User, batch_id: int) -> int:
    """Create every project of a checked list in one transaction (indexed after its commit).

    A PI named from another institution is asked to confirm, as when registering one project.
    """
    batch = staging.pending_batch(batch_id, IMPORT_KIND, user, institution.id)
    payload = batch.payload
    for values in payload:
        row = ProjectRow(**(values | {"team": tuple(values["team"])}))
        projects.new_project(user, row.as_input(institution.id))
    staging.mark_confirmed(batch)
    events.commit()
    return len(payload)
