"""The open datasets as tables: columns derived from the serialisation models, and rows flattened from them.

This is the one place where a nested record becomes columns: a referenced record (``agency``) gives one
column per field (``agency_id``, ``agency_slug``, ``agency_name``), a list of words one column of text
joined by ``"; "``, a list of records one column of JSON. Nothing here decides what is public: the rows are
the API's own serialisation (``services.serialise``) of the records an anonymous visitor may read.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from matchmaker.services.serialise.common import is_internal

LIST_SEPARATOR = "; "

# Vietnamese titles of the columns (the English description comes from the model, or the name).
TITLES_VI = {
    "id": "Mã số", "slug": "Định danh", "name": "Tên", "title": "Tên", "state": "Trạng thái",
    "status": "Trạng thái", "agency": "Cơ quan đặt hàng", "beneficiary": "Đơn vị thụ hưởng",
    "field_code": "Mã lĩnh vực khoa học", "field_codes": "Mã lĩnh vực khoa học",
    "priority_area": "Lĩnh vực ưu tiên", "trl": "Mức độ sẵn sàng công nghệ (TRL)",
    "duration_months": "Thời gian thực hiện (tháng)", "selection_method": "Phương thức tuyển chọn",
    "application_deadline": "Hạn nộp hồ sơ", "decision_number": "Số quyết định",
    "decision_date": "Ngày quyết định", "assignee_organisation": "Tổ chức chủ trì",
    "principal_investigator": "Chủ nhiệm", "contract_number": "Số hợp đồng",
    "need_id": "Mã nhu cầu công nghệ", "necessity": "Tính cấp thiết", "objectives": "Mục tiêu",
    "main_content": "Nội dung chính", "expected_products": "Sản phẩm dự kiến",
    "state_budget": "Kinh phí ngân sách (đồng)", "cofunding": "Kinh phí đối ứng (đồng)",
    "contract_value": "Giá trị hợp đồng (đồng)", "created_at": "Thời điểm tạo",
    "updated_at": "Thời điểm cập nhật", "order_id": "Mã nhiệm vụ", "order_title": "Tên nhiệm vụ",
    "product": "Sản phẩm", "description": "Mô tả", "ip_kind": "Loại sở hữu trí tuệ",
    "ip_number": "Số văn bằng", "ip_status": "Tình trạng văn bằng", "applied_at": "Nơi ứng dụng",
    "summary": "Tóm tắt", "team": "Thành viên", "institution": "Tổ chức",
    "start_year": "Năm bắt đầu", "end_year": "Năm kết thúc", "budget": "Kinh phí (đồng)",
    "products": "Sản phẩm", "ip": "Sở hữu trí tuệ", "academic_title": "Học hàm", "degree": "Học vị",
    "department": "Khoa, phòng", "position": "Chức vụ", "keywords": "Từ khóa",
    "capabilities": "Năng lực", "orcid": "ORCID", "links": "Liên kết",
    "open_to_orders": "Sẵn sàng nhận đặt hàng", "contact_email": "Thư điện tử liên hệ",
    "publications": "Công bố", "ip_assets": "Tài sản trí tuệ", "name_vi": "Tên tiếng Việt",
    "name_en": "Tên tiếng Anh", "short_name": "Tên viết tắt", "kind": "Loại",
    "district": "Quận, huyện", "address": "Địa chỉ", "website": "Trang web",
    "enterprise": "Doanh nghiệp", "confidentiality": "Mức công khai", "details": "Có chi tiết",
    "desired_outcome": "Kết quả mong muốn", "targets": "Chỉ tiêu", "budget_min": "Kinh phí tối thiểu (đồng)",
    "budget_max": "Kinh phí tối đa (đồng)", "deadline": "Thời hạn", "cofund": "Sẵn sàng đối ứng",
    "key": "Mã số liệu", "section": "Mã phần", "section_label": "Phần", "label": "Số liệu",
    "definition": "Cách tính", "value": "Giá trị", "unit": "Mã đơn vị", "unit_label": "Đơn vị",
    "records": "Danh sách hồ sơ", "period_kind": "Loại kỳ", "period_start": "Từ ngày",
    "period_end": "Đến ngày",
}  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, Table Schema type, whether it may be empty, and where its value is."""

    name: str
    type: str  # integer, number, string, boolean, date, datetime or array (Frictionless Table Schema)
    required: bool
    title: str
    description: str
    path: tuple[str, ...]
    shape: str = (
        "value"  # value, words (a list joined by "; ") or records (a list as JSON)
    )

    def field(self) -> dict[str, Any]:
        """This column as a Frictionless Table Schema field."""
        field = {
            "name": self.name,
            "type": self.type,
            "title": self.title,
            "description": self.description,
        }
        if self.type == "datetime":
            field["format"] = "any"
        if self.required:
            field["constraints"] = {"required": True}
        return field


_SCALARS = [(bool, "boolean"), (int, "integer"), (float, "number"), (datetime, "datetime"), (date, "date"),
            (str, "string")]  # fmt: skip


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``annotation`` and whether it may be None."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            inner = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(inner) < len(get_args(annotation))
            # A whole or a decimal number (a figure's value) is a number column.
            annotation = float if set(inner) == {int, float} else inner[0]
        else:
            return annotation, optional


def _scalar(annotation: Any) -> str:
    if (
        get_origin(annotation) is Literal
    ):  # one of a few words (a unit, a kind of period)
        annotation = type(get_args(annotation)[0])
    for python_type, name in _SCALARS:
        if isinstance(annotation, type) and issubclass(annotation, python_type):
            return name
    raise TypeError(f"No table column type for {annotation!r}")


def _describe(name: str, info) -> str:
    return info.description or name.replace("_", " ").capitalize() + "."


def columns(model: type[BaseModel]) -> list[Column]:
    """The columns of ``model``'s table, in the model's field order; internal fields are not the public's."""
    found: list[Column] = []
    for name, info in model.model_fields.items():
        if is_internal(info):
            continue
        annotation, optional = _unwrap(info.annotation)
        title = TITLES_VI.get(name, name)
        if get_origin(annotation) is list:
            item, _ = _unwrap(get_args(annotation)[0])
            records = isinstance(item, type) and issubclass(item, BaseModel)
            shape, kind = ("records", "array") if records else ("words", "string")
            description = _describe(name, info) + (
                " A JSON list."
                if records
                else f" Separated by '{LIST_SEPARATOR.strip()}'."
            )
            found.append(Column(name, kind, False, title, description, (name,), shape))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub in columns(annotation):
                found.append(Column(
                    f"{name}_{sub.name}", sub.type, sub.required and not optional,
                    f"{title} — {sub.title.lower()}", f"{_describe(name, info).rstrip('.')}: {sub.description}",
                    (name, *sub.path), sub.shape,
                ))  # fmt: skip
        else:
            kind = _scalar(annotation)
            description = _describe(name, info)
            if kind == "datetime":
                description += " ISO 8601 with its zone (UTC)."
            # Empty text and a missing value are one and the same in a CSV cell: only other types are required.
            found.append(
                Column(
                    name,
                    kind,
                    not optional and kind != "string",
                    title,
                    description,
                    (name,),
                )
            )
    return found


def _at(record: dict, path: tuple[str, ...]) -> Any:
    value: Any = record
    for key in path:
        if value is None:
            return None
        value = value[key]
    return value


def cells(model_columns: list[Column], record: BaseModel) -> list[Any]:
    """The row of ``record``: Python values (numbers, dates, text), None where empty."""
    data = record.model_dump(mode="python")
    row = []
    for column in model_columns:
        value = _at(data, column.path)
        if column.shape == "words":
            value = LIST_SEPARATOR.join(value or ())
        elif column.shape == "records":
            value = json.dumps(value or [], ensure_ascii=False, default=str)
        row.append(value)
    return row


def rows(model_columns: list[Column], records: Iterable[BaseModel]) -> list[list[Any]]:
    """The rows of ``records``."""
    return [cells(model_columns, record) for record in records]


def table_schema(
    model_columns: list[Column], version: str, primary_key: str = "id"
) -> dict[str, Any]:
    """The Frictionless Table Schema of a table with these columns, named by ``primary_key``."""
    return {
        "fields": [column.field() for column in model_columns],
        "primaryKey": [primary_key],
        "missingValues": [""],
        "version": version,
    }
