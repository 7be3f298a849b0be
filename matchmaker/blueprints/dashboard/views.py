"""The results dashboard's pages: for officials, the public version, the records behind a figure, definitions."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import formatting
from matchmaker.blueprints.auth.decorators import allowed_by, open_to_everyone
from matchmaker.blueprints.dashboard import charts
from matchmaker.blueprints.orders.forms import STATE_LABELS
from matchmaker.services import dashboard, policy
from matchmaker.services.dashboard import catalogue, export

bp = Blueprint("dashboard", __name__)


def _scope(public: bool) -> tuple[dashboard.Scope, tuple[str, ...]]:
    today = dashboard.local_today()
    parsed = dashboard.parse_args(request.args, today)
    return dashboard.Scope(
        parsed.period, parsed.filters, today, public
    ), parsed.messages


def _page(public: bool):
    scope, messages = _scope(public)
    board = dashboard.current_dashboard(scope)
    return render_template(
        "dashboard/index.html", board=board, scope=scope, messages=messages, public=public,
        choices=dashboard.filter_choices(), catalogue=catalogue, state_labels=STATE_LABELS,
        charts=_charts(board), args=scope.as_args(),
    )  # fmt: skip


@bp.route("/")
@allowed_by(policy.may_view_dashboard)
def index():
    return _page(public=False)


@bp.route("/public")
@open_to_everyone
def public():
    return _page(public=True)


def _records(figure: str, public: bool):
    scope, messages = _scope(public)
    if not dashboard.records.is_known(figure, public):
        abort(404)
    page = dashboard.records.list_records(
        figure, scope, request.args.get("page", 1), per_page=50
    )
    return render_template(
        "dashboard/records.html", figure=figure, page=page, scope=scope, public=public,
        messages=messages, title=_figure_title(figure), args=scope.as_args(),
        state_labels=STATE_LABELS, as_of_today=catalogue.is_as_of_today(figure),
    )  # fmt: skip


@bp.route("/records/<figure>")
@allowed_by(policy.may_view_dashboard)
def records(figure: str):
    return _records(figure, public=False)


@bp.route("/public/records/<figure>")
@open_to_everyone
def public_records(figure: str):
    return _records(figure, public=True)


@bp.route("/definitions")
@open_to_everyone
def definitions():
    return render_template(
        "dashboard/definitions.html", catalogue=catalogue,
        sections=[spec.key for spec in dashboard.SECTIONS],
        keys=catalogue.SECTION_FIGURES, may_view=policy.may_view_dashboard(current_user),
    )  # fmt: skip


@bp.route("/export.xlsx")
@allowed_by(policy.may_view_dashboard)
def export_xlsx():
    scope, _messages = _scope(public=False)
    workbook = export.workbook(dashboard.build_dashboard(scope), STATE_LABELS)
    name = f"bang-so-lieu-{scope.period.start.isoformat()}-{scope.period.end.isoformat()}.xlsx"
    return send_file(
        workbook, as_attachment=True, download_name=name,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )  # fmt: skip


def _figure_title(figure: str) -> str:
    if figure.startswith("state_"):
        state = figure.removeprefix("state_")
        return _("Orders now in the state: %(state)s", state=STATE_LABELS.get(state, state))  # fmt: skip
    return str(catalogue.FIGURES[figure].label)


def _millions(value: float) -> str:
    return _("%(n)s million", n=formatting.number(value / 1_000_000, 0))


def _charts(board: dashboard.Dashboard) -> dict:
    """Every chart of the board, by table key, as inline SVG."""
    drawn = {}
    sections = {section.key: section for section in board.sections}
    if "orders" in sections:
        funnel = [(str(STATE_LABELS.get(r.label, r.label)), r.values) for r in sections["orders"].table("funnel").rows]  # fmt: skip
        summary = "; ".join(
            f"{label}: {values[0]}" for label, values in funnel if values[0]
        )
        drawn["funnel"] = charts.hbars(
            [row for row in funnel if row[1][0]] or funnel[:1],
            _("Orders by current state. %(summary)s", summary=summary or _("none")),
            lambda v: formatting.number(v),
        )
    if "money" in sections:
        money = sections["money"]
        months = [(formatting.number(r.label.month), r.values[0]) for r in money.table("by_month").rows]  # fmt: skip
        drawn["by_month"] = charts.columns(
            months,
            _(
                "Disbursed by month, total %(total)s",
                total=formatting.vnd(sum(v for _m, v in months)),
            ),  # fmt: skip
            _millions,
        )
        for key in ("by_agency", "by_field"):
            rows = [(str(r.label or _("Not given")), (r.values[0], r.values[2])) for r in money.table(key).rows]  # fmt: skip
            summary = "; ".join(f"{label}: {formatting.vnd(b)} / {formatting.vnd(d)}" for label, (b, d) in rows)  # fmt: skip
            drawn[key] = charts.hbars(
                rows,
                _(
                    "State budget against disbursed. %(summary)s",
                    summary=summary or _("none"),
                ),  # fmt: skip
                _millions,
            )
        tranches = [(str(r.label), r.values) for r in money.table("by_tranche").rows]
        summary = "; ".join(f"{label}: {formatting.vnd(p)} / {formatting.vnd(d)}" for label, (p, d) in tranches)  # fmt: skip
        drawn["by_tranche"] = charts.hbars(
            tranches,
            _("Planned against disbursed. %(summary)s", summary=summary or _("none")),
            _millions,
        )
    return drawn
