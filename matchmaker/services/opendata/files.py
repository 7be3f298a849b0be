"""The download files of the open datasets (CSV, JSON, XLSX), cached and rebuilt when the data changes.

Each dataset's files live in ``<OPEN_DATA_DIR>/v<SCHEMA_VERSION>/``, with a small ``<key>.meta.json`` that
records the data fingerprint they were made from. A request for a file first compares the fingerprint with
the database's (two cheap aggregate queries per source table): if the data changed, the three files are
written again (each to a temporary file, then renamed into place, so a reader never sees half a file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from matchmaker.models.base import utcnow
from matchmaker.services.opendata import tables
from matchmaker.services.opendata.datasets import (
    DATASETS,
    SCHEMA_VERSION,
    Dataset,
    Fingerprint,
    fingerprint,
)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_CELL_LIMIT = 32_767  # Excel's longest cell text


@dataclass(frozen=True)
class Built:
    """The files of a dataset as made: when, from which data, how many rows, each file's digest."""

    key: str
    fingerprint: str
    modified: datetime | None  # the data's latest change
    generated_at: datetime
    rows: int
    digests: dict[str, str]

    def path(self, fmt: str) -> Path:
        return folder() / f"{self.key}.{fmt}"


def folder() -> Path:
    """Where this schema version's files are kept (created on first use)."""
    base = (
        current_app.config.get("OPEN_DATA_DIR")
        or Path(current_app.config["MATCHMAKER_DATA_DIR"]) / "opendata"
    )
    path = Path(base) / f"v{SCHEMA_VERSION}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_name(key: str, fmt: str) -> str:
    """The name a download is saved under, with the schema version: ``cantho-orders-v1.0.csv``."""
    return f"cantho-{key}-v{SCHEMA_VERSION}.{fmt}"


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # as any file written with the default umask
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def csv_bytes(columns: list[tables.Column], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads Vietnamese), a header of column names, CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in columns])
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def json_bytes(dataset: Dataset, records: list, generated_at: datetime) -> bytes:
    """The records exactly as the API gives them, with the dataset's name, schema version and licence."""
    body = {
        "dataset": dataset.key,
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated_at.isoformat(),
        "license": current_app.config["OPEN_DATA_LICENSE"],
        "items": [record.model_dump(mode="json") for record in records],
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(
            tzinfo=None
        )  # Excel has no zones: UTC, as the schema says
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_LIMIT]
    return value


def xlsx_bytes(
    dataset: Dataset, columns: list[tables.Column], rows: list[list[Any]]
) -> bytes:
    """A workbook: the data (numbers, dates and times as real cell values) and a sheet describing the columns."""
    book = Workbook()
    sheet = book.active
    sheet.title = dataset.key
    sheet.append([c.name for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    for index, column in enumerate(columns, start=1):
        if column.type in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = formats[column.type]
    sheet.freeze_panes = "A2"
    about = book.create_sheet("schema")
    about.append(["name", "type", "title", "description"])
    for cell in about[1]:
        cell.font = Font(bold=True)
    for column in columns:
        about.append([column.name, column.type, column.title, column.description])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _meta_path(key: str) -> Path:
    return folder() / f"{key}.meta.json"


def _read_meta(key: str) -> Built | None:
    try:
        meta = json.loads(_meta_path(key).read_text(encoding="utf-8"))
        modified = (
            datetime.fromisoformat(meta["modified"]) if meta["modified"] else None
        )
        built = Built(key, meta["fingerprint"], modified, datetime.fromisoformat(meta["generated_at"]),
                      meta["rows"], meta["digests"])  # fmt: skip
    except (OSError, ValueError, KeyError):
        return None
    return built if all(built.path(fmt).exists() for fmt in FORMATS) else None


def build(dataset: Dataset, mark: Fingerprint | None = None) -> Built:
    """Write ``dataset``'s three files from the database now (``mark``: the fingerprint already read)."""
    mark = mark if mark is not None else fingerprint(dataset)
    generated_at = utcnow().replace(microsecond=0)
    records = dataset.records()
    columns = dataset.columns
    rows = tables.rows(columns, records)
    contents = {
        "csv": csv_bytes(columns, rows),
        "json": json_bytes(dataset, records, generated_at),
        "xlsx": xlsx_bytes(dataset, columns, rows),
    }
    for fmt, data in contents.items():
        _atomic_write(folder() / f"{dataset.key}.{fmt}", data)
    built = Built(dataset.key, mark.mark, mark.modified, generated_at, len(records),
                  {fmt: hashlib.sha256(data).hexdigest()[:32] for fmt, data in contents.items()})  # fmt: skip
    meta = {"fingerprint": mark.mark, "modified": mark.modified.isoformat() if mark.modified else None,
            "generated_at": generated_at.isoformat(), "rows": built.rows,
            "digests": built.digests, "schema_version": SCHEMA_VERSION}  # fmt: skip
    _atomic_write(_meta_path(dataset.key), json.dumps(meta).encode("utf-8"))
    return built


def current(dataset: Dataset) -> Built:
    """``dataset``'s files, made again first if the data changed since they were made."""
    mark = fingerprint(dataset)
    built = _read_meta(dataset.key)
    if built is not None and built.fingerprint == mark.mark:
        return built
    return build(dataset, mark)


def rebuild_downloads(progress: Callable[[int], None] | None = None) -> list[Built]:
    """Make every dataset's files again (a job queue or ``matchmaker opendata rebuild`` runs it);
    ``progress(1)`` is called after each dataset."""
    made = []
    for dataset in DATASETS.values():
        made.append(build(dataset))
        if progress is not None:
            progress(1)
    return made
