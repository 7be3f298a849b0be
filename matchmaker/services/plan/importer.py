"""The plan's tasks from a spreadsheet: check every row, show what will change, then write all or nothing.

Columns are found by their header, Vietnamese or English, accents and case ignored. A row whose code is
already registered updates that task; the preview says so.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    ImportBatch,
    Institution,
    PlanTask,
    PlanTaskStatus,
    PlanTaskUpdate,
    User,
)
from matchmaker.services import events, policy, staging, text_filter
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.imports import ImportProblem
from matchmaker.services.plan import sheet
from matchmaker.services.plan import standing as standings
from matchmaker.services.plan import tasks as plan_tasks

IMPORT_KIND = "plan_tasks"
TARGET = 0  # the plan is one register: the batch targets no particular record
REQUIRED = ("code", "title", "lead_agency")
FILE_NAME_MAX = 200
# Header names after folding (lower case, no accents), Vietnamese or English.
_ALIASES = {
    "ma": "code", "ma nhiem vu": "code", "ma so": "code", "stt": "code", "code": "code",
    "ten nhiem vu": "title", "nhiem vu": "title", "noi dung": "title", "noi dung nhiem vu": "title",
    "title": "title", "task": "title",
    "co quan chu tri": "lead_agency", "don vi chu tri": "lead_agency", "chu tri": "lead_agency",
    "lead agency": "lead_agency", "lead": "lead_agency",
    "co quan phoi hop": "partners", "don vi phoi hop": "partners", "phoi hop": "partners",
    "cooperating agencies": "partners", "partners": "partners",
    "ke hoach": "plan", "van ban": "plan", "plan": "plan",
    "muc tieu": "objective", "nhom nhiem vu": "objective", "nhom": "objective",
    "objective": "objective", "group": "objective",
    "thoi han": "deadline", "thoi gian hoan thanh": "deadline", "han hoan thanh": "deadline",
    "deadline": "deadline",
    "tinh trang": "status", "trang thai": "status", "tien do": "status", "status": "status",
    "ngay hoan thanh": "completed_on", "completed on": "completed_on",
    "minh chung": "evidence", "san pham": "evidence", "ket qua": "evidence", "evidence": "evidence",
}  # fmt: skip
_STATUSES = {
    "chua thuc hien": PlanTaskStatus.NOT_STARTED, "chua trien khai": PlanTaskStatus.NOT_STARTED,
    "chua bat dau": PlanTaskStatus.NOT_STARTED, "not started": PlanTaskStatus.NOT_STARTED,
    "not_started": PlanTaskStatus.NOT_STARTED,
    "dang thuc hien": PlanTaskStatus.IN_PROGRESS, "dang trien khai": PlanTaskStatus.IN_PROGRESS,
    "in progress": PlanTaskStatus.IN_PROGRESS, "in_progress": PlanTaskStatus.IN_PROGRESS,
    "hoan thanh": PlanTaskStatus.COMPLETED, "da hoan thanh": PlanTaskStatus.COMPLETED,
    "completed": PlanTaskStatus.COMPLETED,
}  # fmt: skip
_SPLIT = re.compile(r"[;|\n]")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def _key(text: str) -> str:
    return " ".join(text_filter.fold(text).replace("_", " ").replace(":", " ").split())


@dataclass(frozen=True)
class PlanRow:
    """One valid row; ``line`` is its row number in the file (the header is 1)."""

    line: int
    code: str
    title: str
    lead_agency_id: int
    lead_agency_name: str
    plan: str = ""
    objective: str = ""
    partner_ids: tuple[int, ...] = ()
    deadline: str | None = None  # ISO date
    status: str = PlanTaskStatus.NOT_STARTED.value
    completed_on: str | None = None
    evidence: str = ""
    updates_existing: bool = False

    @property
    def deadline_date(self) -> date | None:
        return date.fromisoformat(self.deadline) if self.deadline else None

    def as_input(self) -> plan_tasks.TaskInput:
        return plan_tasks.TaskInput(
            code=self.code, title=self.title, lead_agency_id=self.lead_agency_id,
            plan=self.plan, objective=self.objective, partner_ids=tuple(self.partner_ids),
            deadline=date.fromisoformat(self.deadline) if self.deadline else None,
        )  # fmt: skip


@dataclass(frozen=True)
class PlanReport:
    """The dry run: valid rows, every problem, and the batch to confirm when there is none."""

    batch_id: int | None
    rows: list[PlanRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def updated(self) -> int:
        return sum(row.updates_existing for row in self.rows)

    @property
    def created(self) -> int:
        return len(self.rows) - self.updated


def _columns(header: list[str]) -> tuple[list[str | None], list[ImportProblem]]:
    columns: list[str | None] = []
    problems: list[ImportProblem] = []
    for cell in header:
        column = _ALIASES.get(_key(cell)) if cell.strip() else None
        if cell.strip() and column is None:
            message = _l(
                "The header has an unknown column “%(name)s”.", name=cell.strip()[:80]
            )
            problems.append(ImportProblem(1, message))
        elif column is not None and column in columns:
            message = _l(
                "The header has the column “%(name)s” twice.", name=cell.strip()[:80]
            )
            problems.append(ImportProblem(1, message))
        columns.append(column)
    names = {
        "code": _l("code"),
        "title": _l("task title"),
        "lead_agency": _l("lead agency"),
    }
    for missing in (c for c in REQUIRED if c not in columns):
        message = _l("The header has no “%(name)s” column.", name=names[missing])
        problems.append(ImportProblem(1, message))
    return columns, problems


class _Agencies:
    """Agencies found by name, short name or slug, case and accents ignored."""

    def __init__(self) -> None:
        self.by_key: dict[str, Institution] = {}
        for institution in db.session.scalars(
            sa.select(Institution).order_by(Institution.id)
        ):
            for name in (
                institution.name_vi,
                institution.name_en,
                institution.short_name,
                institution.slug,
            ):
                if name:
                    self.by_key.setdefault(_key(name), institution)

    def find(self, name: str) -> Institution | None:
        return self.by_key.get(_key(name))


def _date(value: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _check_row(
    line: int, values: dict[str, str], agencies: _Agencies
) -> tuple[PlanRow | None, list[str]]:
    problems: list[str] = []
    for column, label in (
        ("code", _("code")),
        ("title", _("task title")),
        ("lead_agency", _("lead agency")),
    ):
        if not values.get(column):
            problems.append(_("%(column)s is missing", column=label))
    lead = (
        agencies.find(values.get("lead_agency", ""))
        if values.get("lead_agency")
        else None
    )
    if values.get("lead_agency") and lead is None:
        problems.append(
            _("unknown lead agency “%(name)s”", name=values["lead_agency"][:80])
        )
    partner_ids = []
    for name in (
        n.strip() for n in _SPLIT.split(values.get("partners", "")) if n.strip()
    ):
        partner = agencies.find(name)
        if partner is None:
            problems.append(_("unknown cooperating agency “%(name)s”", name=name[:80]))
        else:
            partner_ids.append(partner.id)
    dates = {}
    for column, label in (
        ("deadline", _("deadline")),
        ("completed_on", _("completion date")),
    ):
        if values.get(column):
            dates[column] = _date(values[column])
            if dates[column] is None:
                problems.append(
                    _(
                        "%(column)s “%(value)s” is not a date (dd/mm/yyyy)",
                        column=label,
                        value=values[column][:30],
                    )
                )
    status = PlanTaskStatus.NOT_STARTED
    if values.get("status"):
        found = _STATUSES.get(_key(values["status"]))
        if found is None:
            problems.append(
                _("unknown status “%(value)s”", value=values["status"][:60])
            )
        status = found or status
    if status == PlanTaskStatus.COMPLETED:
        if not values.get("evidence"):
            problems.append(_("a completed task needs its evidence"))
        if not values.get("completed_on"):
            problems.append(_("a completed task needs its completion date"))
    elif values.get("completed_on"):
        problems.append(_("only a completed task has a completion date"))
    row = PlanRow(
        line=line, code=values.get("code", ""), title=values.get("title", ""),
        lead_agency_id=lead.id if lead else 0, lead_agency_name=lead.name_vi if lead else "",
        plan=values.get("plan", ""), objective=values.get("objective", ""), partner_ids=tuple(partner_ids),
        deadline=dates["deadline"].isoformat() if dates.get("deadline") else None, status=status.value,
        completed_on=dates["completed_on"].isoformat() if dates.get("completed_on") else None,
        evidence=values.get("evidence", ""),
    )  # fmt: skip
    if not problems:
        try:  # the form's own rules, without writing anything
            existing = _existing(row.code)
            plan_tasks.check_input(row.as_input(), existing)
        except ServiceError as error:
            problems.append(str(error.message).rstrip("."))
    return (None if problems else row), problems


def _existing(code: str) -> PlanTask | None:
    return db.session.scalar(
        sa.select(PlanTask).where(text_filter.same_code(PlanTask.code, normalise(code)))
    )


def parse(data: bytes) -> tuple[list[PlanRow], list[ImportProblem]]:
    """Every valid row of an upload and every problem, each with its row number."""
    rows, problems = sheet.read_rows(data)
    if problems:
        return [], problems
    header, body = rows[0][1], rows[1:]
    columns, problems = _columns(header)
    if problems:
        return [], problems
    agencies, valid, seen = _Agencies(), [], {}
    for line, cells in body:
        if any(c.strip() for c in cells[len(columns) :]):
            problems.append(
                ImportProblem(
                    line,
                    _l("Row %(line)d has more columns than the header.", line=line),
                )
            )
            continue
        values = {c: normalise(v) for c, v in zip(columns, cells, strict=False) if c}
        row, found = _check_row(line, values, agencies)
        code = _key(values.get("code", ""))
        if code and seen.setdefault(code, line) != line:
            found.append(_("the code repeats row %(first)d", first=seen[code]))
        if found:
            message = _(
                "Row %(line)d: %(problems)s.", line=line, problems="; ".join(found)
            )
            problems.append(ImportProblem(line, message))
        elif row is not None:
            valid.append(row)
    if not valid and not problems:
        problems.append(ImportProblem(1, _l("The file has no task rows.")))
    return valid, problems


def preview(user: User, data: bytes, file_name: str = "") -> PlanReport:
    """Check a task list without writing it; keep it for confirmation only if every row is valid.

    The file's name is kept with the rows: the timeline of a task whose status the import changes names it.
    """
    if not policy.may_edit_plan(user):
        raise NotAllowed(_("Only city officials edit the action plan."))
    rows, problems = parse(data)
    if not rows or problems:
        return PlanReport(None, rows, problems)
    rows = [
        PlanRow(**(asdict(r) | {"updates_existing": _existing(r.code) is not None}))
        for r in rows
    ]
    batch = ImportBatch(
        user_id=user.id,
        kind=IMPORT_KIND,
        target_id=TARGET,
        payload={
            "file_name": " ".join(file_name.split())[:FILE_NAME_MAX],
            "rows": [asdict(r) for r in rows],
        },
    )
    db.session.add(batch)
    events.commit()
    return PlanReport(batch.id, rows, [])


def _import_note(batch: ImportBatch, file_name: str) -> str:
    # Kept in Vietnamese, the language of the plan's record, whatever language the importer reads.
    with force_locale("vi"):
        if file_name:
            return _(
                "Status changed by the import of the file “%(file)s” (import no. %(batch)d).",
                file=file_name,
                batch=batch.id,
            )
        return _("Status changed by an import (import no. %(batch)d).", batch=batch.id)


def _write(
    row: PlanRow, user: User, batch: ImportBatch, file_name: str, today: date
) -> None:
    task = _existing(row.code)
    fields = plan_tasks.check_input(row.as_input(), task)
    before = None if task is None else task.status
    if task is None:
        task = PlanTask(evidence="")
        db.session.add(task)
    for name, value in fields.items():
        setattr(task, name, value)
    task.status = PlanTaskStatus(row.status)
    if before is not None and before != task.status:
        # The timeline says what changed the progress, as a report would (append-only, same transaction).
        completed = task.status == PlanTaskStatus.COMPLETED and row.completed_on
        db.session.add(
            PlanTaskUpdate(
                task=task,
                author_id=user.id,
                reported_on=date.fromisoformat(row.completed_on)
                if completed
                else today,
                text=_import_note(batch, file_name),
                status_after=task.status,
            )
        )
    task.completed_on = (
        date.fromisoformat(row.completed_on) if row.completed_on else None
    )
    if row.evidence or task.status == PlanTaskStatus.COMPLETED:
        task.evidence = row.evidence
    db.session.flush()


def confirm(user: User, batch_id: int) -> tuple[int, int]:
    """Write every row of a checked list in one transaction: (created, updated)."""
    if not policy.may_edit_plan(user):
        raise NotAllowed(_("Only city officials edit the action plan."))
    batch = staging.pending_batch(batch_id, IMPORT_KIND, user, TARGET)
    payload = batch.payload
    if isinstance(payload, list):  # a batch checked before the file name was kept
        payload = {"file_name": "", "rows": payload}
    rows = [
        PlanRow(**(values | {"partner_ids": tuple(values["partner_ids"])}))
        for values in payload["rows"]
    ]
    today = standings.reference_day(None)
    try:
        for row in rows:
            _write(row, user, batch, payload.get("file_name", ""), today)
    except ServiceError:
        db.session.rollback()  # the register changed since the preview: nothing is written
        raise
    staging.mark_confirmed(batch)
    events.commit()
    updated = sum(row.updates_existing for row in rows)
    return len(rows) - updated, updated


TEMPLATE_HEADER = (
    "Mã", "Tên nhiệm vụ", "Kế hoạch", "Mục tiêu", "Cơ quan chủ trì", "Cơ quan phối hợp",
    "Thời hạn", "Tình trạng", "Ngày hoàn thành", "Minh chứng",
)  # fmt: skip
TEMPLATE_ROWS = (
    ("KH22-01", "Xây dựng Trung tâm dữ liệu thành phố", "KH 22", "Hạ tầng số",
     "Sở Khoa học và Công nghệ thành phố Cần Thơ", "Sở Nội vụ; Sở Tài chính",
     "31/12/2026", "Đang thực hiện", "", ""),
    ("KH22-02", "Ban hành quy chế khai thác dữ liệu dùng chung", "KH 22", "Dữ liệu số",
     "Sở KH&CN", "", "30/06/2026", "Hoàn thành", "15/06/2026", "Quyết định số 1234/QĐ-UBND"),
)  # fmt: skip


def template_csv() -> str:
    """A CSV template with the Vietnamese headers and two example rows (UTF-8 with BOM, for Excel)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerows(TEMPLATE_ROWS)
    return "\ufeff" + out.getvalue()
