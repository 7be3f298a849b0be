"""Publications: by hand, and imported from BibTeX/RIS with a preview and an explicit confirmation."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, IPAsset, Publication, Role

BIBTEX = """@article{phuc2025,
  title = {M{\\^o} ph{\\h{o}}ng d{\\`o}ng ch{\\h{a}}y s{\\^o}ng H{\\`a}m Lu{\\^o}ng},
  author = {Trương Hoàng Phúc and Nguyễn Tấn Lộc},
  year = {2025},
  journal = {T{\\d{a}}p ch{\\'i} Khoa h{\\d{o}}c {\\DJ}HCT},
  doi = {10.22144/ctu.jvn.2025.118}
}

@article{broken2024,
  title = {An entry that never closes,
  year = {2024}

@article{salinity2023,
  title = {Salinity intrusion forecasting in the Mekong Delta},
  author = {Truong, Hoang Phuc and Nguyen, Tan Loc},
  year = {2023},
  journal = {Journal of Hydrology},
  doi = {https://doi.org/10.1016/J.JHYDROL.2023.129001}
}
"""

RIS = """TY  - JOUR
TI  - Đánh giá chất lượng nước kênh rạch nội ô Cần Thơ
AU  - Lê, Thị Mỹ Duyên
PY  - 2022
JO  - Tạp chí Khoa học Trường Đại học Cần Thơ
ER  -
"""


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Publication.id)))


def _preview(client, **data):
    return client.post(
        "/researchers/me/publications/import",
        data=data,
        content_type="multipart/form-data",
    )


def _batch_id(page: str) -> int:
    return int(re.search(r"/researchers/me/publications/import/(\d+)", page).group(1))


def test_add_publication_by_hand(client, researcher):
    response = client.post(
        "/researchers/me/publications",
        data={
            "title": "Xâm nhập mặn sông Hậu",
            "year": "2024",
            "doi": "doi:10.22144/CTU.JVN.2024.001",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Publication.doi)) == "10.22144/ctu.jvn.2024.001"


def test_add_publication_refuses_same_title_without_accents(client, researcher):
    client.post("/researchers/me/publications", data={"title": "Xâm nhập mặn sông Hậu"})
    response = client.post(
        "/researchers/me/publications", data={"title": "xam nhap man song hau"}
    )
    assert 'id="title-errors"' in response.get_data(as_text=True) and _count() == 1


def test_add_publication_rejects_bad_doi_and_year(client, researcher):
    page = client.post(
        "/researchers/me/publications",
        data={"title": "Bài báo", "doi": "not a doi", "year": "1800"},
    ).get_data(as_text=True)
    assert 'id="doi-errors"' in page and 'id="year-errors"' in page and _count() == 0


def test_import_preview_writes_nothing_until_confirmed(client, researcher):
    page = _preview(
        client, upload=(io.BytesIO(BIBTEX.encode()), "scholar.bib")
    ).get_data(as_text=True)
    assert "Mô phỏng dòng chảy sông Hàm Luông" in page  # LaTeX decoded
    assert "Salinity intrusion forecasting in the Mekong Delta" in page
    problems = page.split('id="import-problems"', 1)[1].split("</ul>", 1)[0]
    assert "9" in problems  # the malformed entry, with its line
    assert _count() == 0
    response = client.post(f"/researchers/me/publications/import/{_batch_id(page)}")
    assert response.status_code == 302 and _count() == 2
    assert (
        db.session.scalar(sa.select(Publication.doi).where(Publication.year == 2023))
        == "10.1016/j.jhydrol.2023.129001"
    )


def test_import_skips_duplicates_already_on_profile(client, researcher):
    client.post(
        "/researchers/me/publications",
        data={"title": "Salinity intrusion forecasting in the Mekong Delta"},
    )
    client.get("/lang/en")
    page = _preview(client, text=BIBTEX).get_data(as_text=True)
    assert "1 new, 1 already on your profile" in page
    client.post(f"/researchers/me/publications/import/{_batch_id(page)}")
    assert _count() == 2


def test_confirming_twice_adds_once(client, researcher):
    page = _preview(client, text=RIS, fmt="ris").get_data(as_text=True)
    batch = _batch_id(page)
    client.post(f"/researchers/me/publications/import/{batch}")
    client.post(f"/researchers/me/publications/import/{batch}")
    assert _count() == 1


def test_someone_elses_import_cannot_be_confirmed(app, client, researcher, auth):
    page = _preview(client, text=RIS).get_data(as_text=True)
    batch = _batch_id(page)
    auth.logout()
    auth.login_as(Role.RESEARCHER)
    assert (
        client.post(f"/researchers/me/publications/import/{batch}").status_code == 404
    )
    assert _count() == 0


def test_import_refuses_wrong_file_type_and_non_utf8(client, researcher):
    page = _preview(client, upload=(io.BytesIO(b"%PDF-1.4"), "paper.pdf")).get_data(
        as_text=True
    )
    assert 'id="upload-errors"' in page
    page = _preview(
        client, upload=(io.BytesIO("Mặn".encode("utf-16")), "list.bib")
    ).get_data(as_text=True)
    assert 'id="upload-errors"' in page
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_import_refuses_too_large_file(app, client, researcher):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    big = io.BytesIO(b"%" * 1100)
    page = _preview(client, upload=(big, "big.bib")).get_data(as_text=True)
    assert 'id="upload-errors"' in page


def test_import_needs_a_file_or_text(client, researcher):
    page = _preview(client).get_data(as_text=True)
    assert 'id="text-errors"' in page


def test_delete_only_own_publication(client, researcher, make_profile):
    other = make_profile()
    theirs = Publication(
        researcher_id=other.id, title="Của người khác", title_key="cua nguoi khac"
    )
    db.session.add(theirs)
    db.session.commit()
    assert (
        client.post(f"/researchers/me/publications/{theirs.id}/delete").status_code
        == 404
    )
    assert _count() == 1


def test_ip_add_and_remove(client, researcher):
    client.post(
        "/researchers/me/ip",
        data={
            "kind": "utility_solution",
            "status": "granted",
            "title": "Cống ngăn mặn",
            "year": "2021",
        },
    )
    asset = db.session.scalar(sa.select(IPAsset))
    assert asset.title == "Cống ngăn mặn" and asset.status.value == "granted"
    client.post(f"/researchers/me/ip/{asset.id}/delete")
    assert db.session.scalar(sa.select(sa.func.count(IPAsset.id))) == 0


def test_publications_appear_on_public_page(client, researcher):
    client.post(
        "/researchers/me/publications",
        data={"title": "Xâm nhập mặn sông Hậu", "doi": "10.1234/abcd"},
    )
    profile_id = db.session.scalar(sa.select(Publication.researcher_id))
    page = client.get(f"/researchers/{profile_id}").get_data(as_text=True)
    assert (
        "Xâm nhập mặn sông Hậu" in page
        and 'href="https://doi.org/10.1234/abcd"' in page
    )
