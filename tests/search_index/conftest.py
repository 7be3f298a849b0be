"""Fixtures for the search index tests: an empty index under tmp_path and a document factory."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from matchmaker.search_index import IndexDoc, SearchIndex
from tests.fixtures.search_index import MakeDoc


@pytest.fixture
def make_doc() -> MakeDoc:
    """Return a factory of IndexDoc with defaults; keyword arguments override fields."""
    counter = iter(range(1, 1_000_000))

    def make(**overrides: Any) -> IndexDoc:
        values: dict[str, Any] = {
            "kind": "project",
            "id": str(next(counter)),
            "title": "Dự án mẫu",
            "body": "Mô tả ngắn của dự án.",
            "institution": "Trường Đại học Cần Thơ",
            "field": "Nông nghiệp",
            "priority_area": "Nông nghiệp thông minh",
            "status": "đang thực hiện",
            "year": 2024,
            "date": datetime(2024, 1, 1),
        }
        values.update(overrides)
        return IndexDoc(**values)

    return make


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    """Where the test index lives."""
    return tmp_path / "index"


@pytest.fixture
def index(index_path: Path) -> SearchIndex:
    """A freshly created, empty index."""
    return SearchIndex(index_path).create()
