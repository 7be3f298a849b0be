"""The research-field look-up of the profile's picker: code, name or group, accents and case ignored."""

from __future__ import annotations

import pytest

from matchmaker.services import reference


def _codes(query: str) -> list[str]:
    return [code for code, _label, _group in reference.find_subfields(query)]


def test_find_subfields_by_group_name_without_accents(app):
    with app.test_request_context():
        assert _codes("nong nghiep") == ["401", "402", "403", "404", "405", "406", "499"]  # fmt: skip


@pytest.mark.parametrize("query", ["trong trot", "TRỒNG TRỌT", "401", "4.01", "Crop"])
def test_find_subfields_by_name_or_code(app, query):
    with app.test_request_context():
        assert _codes(query) == ["401"]


def test_find_subfields_needs_every_word(app):
    with app.test_request_context():
        assert _codes("ky thuat dien") == ["202"]
        assert _codes("ky thuat nong nghiep xyz") == []


def test_find_subfields_lists_every_subfield_for_an_empty_query(app):
    with app.test_request_context():
        assert len(_codes("")) == len(reference.subfield_choices())
