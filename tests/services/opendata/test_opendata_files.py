"""The download files: CSV with a BOM and Vietnamese intact, typed XLSX cells, JSON as the API gives it,
and the cache (reused while the data stays the same, made again after a change)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from matchmaker.extensions import db
from matchmaker.services import dashboard, opendata
from matchmaker.services.opendata import files
from matchmaker.services.opendata.datasets import DATASETS
from matchmaker.services.serialise.common import is_internal

TITLE = "Nghiên cứu giống lúa chịu mặn Ô Môn – Thốt Nốt (đợt ½)"


def _csv(key: str) -> tuple[bytes, list[dict[str, str]]]:
    raw = files.current(DATASETS[key]).path("csv").read_bytes()
    return raw, list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_csv_starts_with_the_bom_and_keeps_vietnamese(app, make_order):
    make_order(
        TITLE, "Nội dung công khai.", objectives="Tăng năng suất, giảm mặn; “an toàn”"
    )
    raw, rows = _csv("orders")
    assert raw.startswith(b"\xef\xbb\xbf")
    assert not raw[3:].startswith(b"\xef\xbb\xbf")
    assert [r["title"] for r in rows] == [TITLE]
    assert rows[0]["objectives"] == "Tăng năng suất, giảm mặn; “an toàn”"
    assert list(rows[0]) == [c.name for c in DATASETS["orders"].columns]


def test_the_xlsx_holds_numbers_and_dates_as_cell_values(app, make_order):
    order = make_order(
        TITLE, state_budget=750_000_000, trl=4, decision_date=date(2026, 3, 9)
    )
    book = load_workbook(files.current(DATASETS["orders"]).path("xlsx"))
    sheet = book["orders"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c for c in sheet[2]], strict=True))
    assert row["id"].value == order.id and row["title"].value == TITLE
    assert row["state_budget"].value == 750_000_000 and isinstance(
        row["trl"].value, int
    )
    assert row["decision_date"].value == datetime(2026, 3, 9)
    assert row["decision_date"].number_format == "yyyy-mm-dd"
    assert isinstance(row["created_at"].value, datetime)
    assert row["created_at"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert row["need_id"].value is None
    described = [r[0].value for r in book["schema"].iter_rows(min_row=2)]
    assert described == header


def test_the_json_is_the_apis_serialisation_of_each_record(
    app, client, make_order, make_researcher
):
    order = make_order(TITLE, "Công khai.", state_budget=500_000_000)
    make_researcher("Lê Thị Mỹ Xuyên", "ctu", ["thủy sản", "tôm"], "Nuôi tôm.")
    for key, path in [
        ("orders", "orders"),
        ("researchers", "researchers"),
        ("institutions", "institutions"),
    ]:
        body = json.loads(files.current(DATASETS[key]).path("json").read_bytes())
        assert (
            body["schema_version"] == opendata.SCHEMA_VERSION and body["dataset"] == key
        )
        assert body["items"], key
        for item in body["items"]:
            assert item == client.get(f"/api/v1/{path}/{item['id']}").get_json(), (
                key,
                item["id"],
            )
    assert (
        json.loads(files.current(DATASETS["orders"]).path("json").read_bytes())[
            "items"
        ][0]["id"]
        == order.id
    )


def test_the_files_are_reused_while_the_data_stays_the_same(app, make_order):
    make_order(TITLE)
    first = files.current(DATASETS["orders"])
    stamp = first.path("csv").stat().st_mtime_ns
    again = files.current(DATASETS["orders"])
    assert again == first and first.path("csv").stat().st_mtime_ns == stamp


def test_a_new_or_changed_record_makes_the_files_again(app, make_order):
    order = make_order(TITLE)
    first = files.current(DATASETS["orders"])
    make_order("Cảm biến độ mặn Cái Răng")
    second = files.current(DATASETS["orders"])
    assert second.fingerprint != first.fingerprint and second.rows == 2
    assert "Cảm biến độ mặn Cái Răng" in {r["title"] for r in _csv("orders")[1]}
    order.title = "Giống lúa chịu mặn Cờ Đỏ"
    db.session.commit()
    third = files.current(DATASETS["orders"])
    assert third.fingerprint != second.fingerprint
    assert "Giống lúa chịu mặn Cờ Đỏ" in {r["title"] for r in _csv("orders")[1]}
    assert TITLE not in files.current(DATASETS["orders"]).path("json").read_text(
        encoding="utf-8"
    )


def test_a_change_elsewhere_leaves_the_files_alone(app, make_order, make_enterprise):
    make_order(TITLE)
    orders, needs = files.current(DATASETS["orders"]), files.current(DATASETS["needs"])
    stamp = orders.path("csv").stat().st_mtime_ns
    make_enterprise()
    assert files.current(DATASETS["orders"]).fingerprint == orders.fingerprint
    assert orders.path("csv").stat().st_mtime_ns == stamp
    assert files.current(DATASETS["needs"]).fingerprint != needs.fingerprint


def test_a_sign_in_leaves_the_files_alone_and_a_public_edit_does_not(
    app, make_researcher
):
    """The fingerprint follows what the datasets publish of an account (its name), not the account's own
    bookkeeping (a sign-in, ending its sessions), which moves ``users.updated_at``."""
    from matchmaker.models import ResearcherProfile
    from matchmaker.services.accounts import identity
    from matchmaker.services.opendata.datasets import fingerprint

    user = make_researcher("Nguyễn Văn A", "ctu", ["lúa"])
    built = files.current(DATASETS["researchers"])
    stamp = built.path("csv").stat().st_mtime_ns
    identity.record_login(user)
    identity.end_sessions(user)
    assert fingerprint(DATASETS["researchers"]).mark == built.fingerprint
    assert (
        files.current(DATASETS["researchers"]).path("csv").stat().st_mtime_ns == stamp
    )
    user.full_name = "Nguyễn Văn Ánh"
    db.session.commit()
    renamed = files.current(DATASETS["researchers"])
    assert renamed.fingerprint != built.fingerprint
    assert [r["name"] for r in _csv("researchers")[1]] == ["Nguyễn Văn Ánh"]
    profile = db.session.query(ResearcherProfile).filter_by(user_id=user.id).one()
    profile.keywords = ["cá tra"]
    db.session.commit()
    assert fingerprint(DATASETS["researchers"]).mark != renamed.fingerprint


def test_no_temporary_file_is_left_behind(app, make_order):
    make_order(TITLE)
    opendata.rebuild_downloads()
    names = sorted(p.name for p in files.folder().iterdir())
    assert not [n for n in names if n.startswith(".")]
    assert len(names) == 4 * len(DATASETS)


def test_rebuild_reports_each_dataset(app, make_order):
    make_order(TITLE)
    steps = []
    made = opendata.rebuild_downloads(progress=steps.append)
    assert steps == [1] * len(DATASETS)
    assert {b.key: b.rows for b in made}["orders"] == 1


def test_the_rebuild_command_writes_every_file(app, runner, make_order):
    make_order(TITLE)
    result = runner.invoke(args=["opendata", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "orders: 1 rows" in result.output
    assert all(files.folder().joinpath(f"{key}.xlsx").exists() for key in DATASETS)


def _digest(key: str) -> str:
    fields = [(c.name, c.type) for c in DATASETS[key].columns]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]


@pytest.mark.parametrize("key", list(DATASETS))
def test_a_schema_changes_only_with_its_version(key):
    """A new column, a renamed or a retyped one must bump the version and pin its columns here."""
    assert _digest(key) == PINNED[opendata.SCHEMA_VERSION][key]


# The columns (names and types) of each table, as a digest, by schema version.
PINNED = {"1.0": {
    "orders": "b7f8b15b1a399458",
    "results": "88f7276accab503b",
    "projects": "7bc41ec49583fd74",
    "researchers": "1c5f9fe29a242020",
    "institutions": "9293d84adc2d4de1",
    "needs": "afedd62ee48c7269",
    "figures": "47c03b96998132d8",
}}  # fmt: skip


def test_no_internal_field_is_a_column_of_a_public_table():
    internal = {
        name
        for dataset in DATASETS.values()
        for name, info in dataset.model.model_fields.items()
        if is_internal(info)
    }
    assert {
        "disbursed",
        "schedule",
        "listed",
    } <= internal  # marked in the serialisation
    columns = {c.name for dataset in DATASETS.values() for c in dataset.columns}
    assert internal.isdisjoint(columns)


def test_the_figures_are_made_again_when_their_data_or_their_year_changes(
    app, make_order, monkeypatch
):
    monkeypatch.setattr(dashboard, "local_today", lambda: date(2027, 6, 30))
    first = files.current(DATASETS["figures"])
    assert files.current(DATASETS["figures"]).generated_at == first.generated_at
    _, rows = _csv("figures")
    assert {r["period_start"] for r in rows} == {"2027-01-01"}
    make_order(TITLE, "Công khai.")  # published now: a change the figures read
    second = files.current(DATASETS["figures"])
    assert second.fingerprint != first.fingerprint
    # A new year is a new period, with no change in the tables at all.
    monkeypatch.setattr(dashboard, "local_today", lambda: date(2028, 1, 1))
    third = files.current(DATASETS["figures"])
    assert third.fingerprint != second.fingerprint
    _, rows = _csv("figures")
    assert {(r["period_start"], r["period_end"]) for r in rows} == {
        ("2028-01-01", "2028-12-31")
    }


def test_the_figures_are_only_the_public_sections(app, make_order):
    make_order(TITLE, "Công khai.")
    public = {spec.key for spec in dashboard.SECTIONS if spec.public}
    _, rows = _csv("figures")
    assert rows and {r["section"] for r in rows} == public
    internal = {spec.key for spec in dashboard.SECTIONS if not spec.public}
    assert "money" in internal and internal.isdisjoint(r["section"] for r in rows)
    assert (
        next(r for r in rows if r["key"] == "published")["label"]
        == "Nhiệm vụ được công bố"
    )
