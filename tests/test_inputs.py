"""Input hygiene applied to every request: control characters stripped, NFC, page numbers in range."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from flask import request

import matchmaker
from matchmaker.inputs import MAX_PAGE, clean_text, page_number


def test_clean_text_strips_control_characters_and_keeps_line_breaks():
    assert clean_text("a\x00b\x01c\x1b\x7fd\x85e\x9ff") == "abcdef"
    assert clean_text("dòng 1\r\n\tdòng 2\n") == "dòng 1\r\n\tdòng 2\n"
    decomposed = unicodedata.normalize("NFD", "Cần Thơ")
    assert decomposed != "Cần Thơ" and clean_text(decomposed) == "Cần Thơ"


def test_clean_text_strips_bidirectional_overrides():
    # "báo cáo\u202efdp.exe" would show as "báo cáoexe.pdf"; embeddings and isolates are invisible too.
    assert clean_text("báo cáo\u202efdp.exe") == "báo cáofdp.exe"
    assert (
        clean_text("a\u202ab\u202bc\u202cd\u202de\u2066f\u2067g\u2068h\u2069")
        == "abcdefgh"
    )
    # Joiners and marks that shape real text stay.
    assert clean_text("a\u200db\u200cc") == "a\u200db\u200cc"


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        (None, 1), ("", 1), ("\x00", 1), ("abc", 1), ("-5", 1), ("0", 1), (0, 1), (-5, 1),
        (True, 1), ("3", 3), (3, 3), ("²", 1), ("9223372036854775807", MAX_PAGE),
        (2**63 - 1, MAX_PAGE), (10**40, MAX_PAGE),
    ],
)  # fmt: skip
def test_page_numbers_are_clamped(raw, page):
    assert page_number(raw) == page


def test_every_part_of_a_request_is_cleaned(app):
    seen = {}

    @app.route("/_probe/<slug>", methods=["POST"])
    def probe(slug):
        seen.update(
            slug=slug, q=request.args["q"], keys=list(request.form),
            text=request.form["text"], many=request.form.getlist("many"),
            filename=request.files["upload"].filename, body=request.files["upload"].read(),
        )  # fmt: skip
        return "ok"

    response = app.test_client().post(
        "/_probe/dh%00ct?q=C%E1%BA%A7n%00%20Th%C6%A1",
        data={
            "te\x00xt": "Xin\x00 chào\r\n\tbạn\x7f",
            "many": ["a\x00", "b\x85"],
            "upload": (io.BytesIO(b"\x00raw\x00"), "b\x00áo\x1b cáo.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert seen == {
        "slug": "dhct", "q": "Cần Thơ", "keys": ["text", "many"], "text": "Xin chào\r\n\tbạn",
        "many": ["a", "b"], "filename": "báo cáo.pdf", "body": b"\x00raw\x00",
    }  # fmt: skip


def test_no_service_pages_a_list_but_through_the_one_helper():
    root = Path(matchmaker.__file__).parent
    callers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "db.paginate(" in path.read_text(encoding="utf-8")
    ]
    assert callers == ["services/pagination.py"]
