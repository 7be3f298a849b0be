"""The search glue: what is indexed (and what never is), updates after commit, retries, rebuilds, writers."""

from __future__ import annotations

import multiprocessing
import shutil
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import (
    Confidentiality,
    Enterprise,
    Project,
    ResearcherProfile,
    Role,
    SearchIndexRetry,
    User,
)
from matchmaker.search_index import SearchIndex
from matchmaker.search_index.storage import Storage
from matchmaker.services.enterprises import needs
from matchmaker.services.enterprises.needs import NeedInput
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.projects import registry as projects
from matchmaker.services.projects.registry import ProjectInput
from matchmaker.services.researchers import profiles
from matchmaker.services.search import index as search


def ids(kind: str, query: str, **filters) -> list[int]:
    outcome = search.find(query, {k: [v] for k, v in filters.items()}, per_page=100)
    assert outcome.result is not None
    return [int(h.id) for h in outcome.result.hits if h.kind == kind and not h.missing]


def add_project(user: User, **overrides) -> Project:
    values = {"title": "Điện mặt trời áp mái cho hộ gia đình", "pi_name": "Lê Văn Đức"}
    return projects.create_project(user, ProjectInput(**(values | overrides)))


@pytest.fixture
def rice_rep(make_user):
    company = Enterprise(slug="gao-vang", name="Công ty Gạo Vàng")
    db.session.add(company)
    db.session.commit()
    rep = make_user(Role.ENTERPRISE, enterprise_id=company.id)
    return rep


def add_need(rep: User, confidentiality: Confidentiality, **overrides):
    values = {
        "title": "Sấy lúa mùa mưa",
        "description": "Máy sấy dùng trấu, độ ẩm hạt không đều.",
        "confidentiality": confidentiality,
    }
    return needs.create_need(
        rep, NeedInput(**(values | overrides)), today=date(2026, 1, 1)
    )


# Vietnamese folding, phrases and prefixes through the app's index


@pytest.mark.parametrize(
    "query",
    [
        "điện mặt trời",
        "dien mat troi",
        "ĐIỆN MẶT TRỜI",
        unicodedata.normalize("NFD", "điện mặt trời"),
        "Dien Mat Troi",
    ],
)
def test_find_project_with_or_without_diacritics(indexed_ctx, official, query):
    project = add_project(official)
    assert ids("project", query) == [project.id]


def test_find_d_stroke_folds_to_d(indexed_ctx, official):
    project = add_project(official, title="Đồng bằng sông Cửu Long thích ứng")
    assert ids("project", "dong bang") == [project.id]
    assert ids("project", unicodedata.normalize("NFD", "Đồng bằng")) == [project.id]


def test_find_quoted_phrase_needs_adjacent_words(indexed_ctx, official):
    together = add_project(official, title="Máy sấy lúa dùng nhiệt trấu")
    apart = add_project(official, title="Lúa được sấy bằng máy công suất nhỏ")
    assert ids("project", '"may say lua"') == [together.id]
    assert sorted(ids("project", "máy sấy lúa")) == sorted([together.id, apart.id])


def test_find_prefix_completes_a_word(indexed_ctx, official):
    project = add_project(official, title="Giống lúa chịu mặn OM18")
    assert ids("project", "giố*") == [project.id]
    assert ids("project", "gioz*") == []


def test_find_abbreviation_expands_from_the_lexicon(indexed_ctx, official):
    project = add_project(official, title="Trí tuệ nhân tạo chẩn đoán bệnh tôm")
    assert ids("project", "AI") == [project.id]


def test_find_counts_facets_over_all_results(indexed_ctx, official, ctu, rice_rep):
    for n in range(3):
        add_project(
            official, title=f"Nuôi tôm sú {n}", institution_id=ctu.id,
            field_code="405", priority_area="aquaculture", end_year=2020 + n,
        )  # fmt: skip
    add_need(rice_rep, Confidentiality.PUBLIC, title="Nuôi tôm tuần hoàn")
    result = search.find("nuôi tôm", {}).result
    facets = {
        name: {f.value: f.count for f in values}
        for name, values in result.facets.items()
    }
    assert facets["kind"] == {"project": 3, "need": 1}
    assert facets["field"] == {"4": 3}
    assert facets["priority_area"] == {"aquaculture": 3}
    assert facets["institution"] == {"Trường Đại học Cần Thơ": 3, "Công ty Gạo Vàng": 1}
    assert {y: facets["year"][y] for y in ("2020", "2021", "2022")} == dict.fromkeys(
        ("2020", "2021", "2022"), 1
    )
    assert ids("project", "nuôi tôm", year="2021") == [
        p.id for p in db.session.scalars(sa.select(Project).filter_by(end_year=2021))
    ]  # fmt: skip


# Privacy: private text is never indexed


def test_confidential_need_words_never_find_it(indexed_ctx, rice_rep):
    add_need(
        rice_rep, Confidentiality.PRIVATE,
        title="Bí mật xử lý bùn thải zyxwvut", description="Quy trình độc quyền qwertyab.",
    )  # fmt: skip
    for word in ("zyxwvut", "qwertyab", "bùn thải", "Gạo Vàng"):
        assert search.find(word, {}).result.total == 0


def test_summary_need_is_found_by_title_only(indexed_ctx, rice_rep):
    need = add_need(
        rice_rep, Confidentiality.SUMMARY,
        title="Bảo quản xoài cát", description="Đối tác hiện tại là nhà máy kín tiếng plmokn.",
    )  # fmt: skip
    assert ids("need", "xoài cát") == [need.id]
    assert search.find("plmokn", {}).result.total == 0


def test_need_made_private_leaves_the_index(indexed_ctx, rice_rep):
    need = add_need(rice_rep, Confidentiality.PUBLIC, title="Cảm biến độ mặn")
    assert ids("need", "cảm biến") == [need.id]
    changed = NeedInput(
        title=need.title, description=need.description, confidentiality=Confidentiality.PRIVATE
    )  # fmt: skip
    needs.update_need(rice_rep, need, changed)
    assert search.find("cảm biến", {}).result.total == 0


def test_search_delete_search_on_one_index_object_needs_no_reopening(
    indexed_ctx, rice_rep
):
    """Issue 18.6: the library refreshes its reader itself; the service keeps one index object."""
    kept = add_need(rice_rep, Confidentiality.PUBLIC, title="Cảm biến độ mặn ao tôm")
    gone = add_need(rice_rep, Confidentiality.PUBLIC, title="Cảm biến độ mặn ruộng lúa")
    index = search.get_index()
    assert sorted(ids("need", "cảm biến")) == sorted([kept.id, gone.id])
    changed = NeedInput(
        title=gone.title, description=gone.description, confidentiality=Confidentiality.PRIVATE
    )  # fmt: skip
    needs.update_need(rice_rep, gone, changed)
    outcome = search.find("cảm biến", {})
    assert not outcome.failed
    assert [int(h.id) for h in outcome.result.hits] == [kept.id]
    assert search.get_index() is index


def _profile_input(profile: ResearcherProfile, **overrides) -> profiles.ProfileInput:
    values = dict(
        full_name="Nguyễn Thị Mai", academic_title=None, degree="TS", institution_id=None,
        department="Khoa Thủy sản", position="", field_codes=["405"], priority_area="aquaculture",
        keywords=["tôm càng xanh"], summary="Nghiên cứu **dinh dưỡng** tôm.", capabilities="",
        orcid=None, contact_email="mai.private@example.com", links=[], open_to_orders=True, public=True,
    )  # fmt: skip
    return profiles.ProfileInput(**(values | overrides))


def test_researcher_contacts_are_not_indexed_and_unlisted_profiles_leave(
    indexed_ctx, make_user
):
    user = make_user(Role.RESEARCHER)
    profile = profiles.profile_for(user)
    profiles.update_profile(profile, user, _profile_input(profile))
    assert ids("researcher", "tôm càng xanh") == [profile.id]
    assert "private" in search.find("mai.private", {}).result.absent
    profiles.update_profile(profile, user, _profile_input(profile, public=False))
    assert search.find("tôm càng xanh", {}).result.total == 0


def test_order_is_indexed_once_published_without_internal_parts(
    indexed_ctx, approver, agency, publish_order
):
    order = orders.create_order(approver, orders.OrderInput(
        title="Truy xuất nguồn gốc sầu riêng", agency_id=agency.id,
        objectives="Mã QR cho vườn.", main_content="Ngân sách nội bộ tuyệt mật hgfdsaq.",
        internal_parts=("main_content",),
    ))  # fmt: skip
    search.sync([("order", order.id)])
    assert search.find("sầu riêng", {}).result.total == 0  # a draft is not public
    now = orders.utcnow()
    publish_order(order, now, now + timedelta(days=30), by=approver, approver=approver)
    search.sync([("order", order.id)])
    assert ids("order", "sau rieng") == [order.id]
    assert ids("order", "mã QR") == [order.id]
    assert search.find("hgfdsaq", {}).result.total == 0


# Failed writes are queued, never raised, and retried


def test_failed_write_keeps_the_project_and_is_retried(
    app, indexed_ctx, official, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    app.config["SEARCH_INDEX_PATH"] = str(blocker / "index")
    project = add_project(official, title="Bón phân hữu cơ vi sinh")
    assert db.session.get(Project, project.id) is not None
    assert search.pending_retries() == 1
    app.config["SEARCH_INDEX_PATH"] = str(tmp_path / "fresh")
    SearchIndex(tmp_path / "fresh").create()
    assert search.retry_pending() == 1
    assert ids("project", "phân hữu cơ") == [project.id]
    assert search.pending_retries() == 0


def test_write_while_lock_is_held_never_raises_and_next_write_catches_up(
    app, indexed_ctx, official
):
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.2
    app.extensions.pop(search.EXTENSION)
    with Storage(search.index_path()).locked():
        first = add_project(official, title="Thu gom rơm rạ trồng nấm")
    assert search.pending_retries() == 1
    second = add_project(official, title="Trồng nấm rơm trong nhà")
    assert sorted(ids("project", "nấm")) == sorted([first.id, second.id])
    assert search.pending_retries() == 0


# Rebuilds: from the database, while searching, after loss or corruption


def test_rebuild_indexes_every_public_record_and_reports_progress(
    indexed_ctx, official, rice_rep
):
    add_project(official)
    add_need(rice_rep, Confidentiality.PUBLIC)
    add_need(rice_rep, Confidentiality.PRIVATE, title="Kín")
    shutil.rmtree(search.index_path())
    steps: list[int] = []
    assert search.count_documents() == 2
    assert search.rebuild(progress=steps.append) == 2
    assert sum(steps) == 2
    assert search.find("sấy lúa", {}).result.total == 1


def test_rebuild_drops_retries_it_covers(indexed_ctx, official):
    project = add_project(official, title="Hầm biogas")
    db.session.add(SearchIndexRetry(kind="project", record_id=project.id, attempts=3))
    db.session.commit()
    search.rebuild()
    assert search.pending_retries() == 0


def test_searches_use_the_old_index_while_a_rebuild_runs(indexed_ctx, official):
    old = add_project(official, title="Cá tra giống sạch bệnh")
    db.session.execute(sa.update(Project).values(title="Cá lóc nuôi bể lót bạt"))
    db.session.commit()  # changed behind the index's back: only a rebuild sees it
    seen: list[tuple[list[int], list[int]]] = []

    def during(_step: int) -> None:
        seen.append((ids("project", "cá tra"), ids("project", "cá lóc")))

    search.rebuild(progress=during)
    assert seen == [([old.id], [])]
    assert (ids("project", "cá tra"), ids("project", "cá lóc")) == ([], [old.id])


def test_missing_index_says_unavailable_then_is_rebuilt(indexed_ctx, official):
    project = add_project(official, title="Nhà kính trồng dưa lưới")
    shutil.rmtree(search.index_path())
    outcome = search.find("dưa lưới", {})
    assert (outcome.result, outcome.rebuilding) == (None, True)
    assert ids("project", "dưa lưới") == [project.id]


@pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")
def test_corrupt_index_is_detected_and_rebuilt(indexed_ctx, official):
    project = add_project(official, title="Phân loại trái cây bằng ảnh")
    for segment in search.index_path().glob("v-*/*.seg"):
        segment.write_bytes(b"\x00" * 64)
    app_index = SearchIndex(search.index_path())
    assert not app_index.is_healthy()
    assert search.find("trái cây", {}).rebuilding
    assert search.health().ok
    assert ids("project", "trái cây") == [project.id]


def _name_a_missing_class(index_path) -> None:
    """Make the stored schema name a class that no longer exists (renamed in code or in Whoosh)."""
    for toc in index_path.glob("v-*/*.toc"):
        data = toc.read_bytes()
        assert b"SyllableField" in data
        toc.write_bytes(data.replace(b"SyllableField", b"SyllableFielX"))


@pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")
@pytest.mark.parametrize("use", ["find", "suggest", "write", "health"])
def test_index_naming_a_missing_class_is_rebuilt_not_an_error(
    app, indexed_ctx, official, use
):
    project = add_project(official, title="Phân loại trái cây bằng ảnh")
    _name_a_missing_class(search.index_path())
    app.extensions.pop(search.EXTENSION, None)  # as a freshly started worker would
    if use == "find":
        assert search.find("trái cây", {}).rebuilding
    elif use == "suggest":
        assert search.suggest("trái") == []
    elif use == "write":
        search.sync([("project", project.id)])  # never raises
    else:
        assert not search.health().ok
        search.start_rebuild(app)
    assert search.health().ok
    assert ids("project", "trái cây") == [project.id]


def test_background_rebuild_runs_once_at_a_time(app, indexed_ctx, official):
    project = add_project(official, title="Lọc nước nhiễm phèn")
    shutil.rmtree(search.index_path())
    thread = search.start_rebuild(app, background=True)
    assert search.start_rebuild(app, background=True) is None  # already running
    thread.join(timeout=60)
    assert not search.is_rebuilding()
    assert ids("project", "nhiễm phèn") == [project.id]


# Several processes writing at once


def _writer(url: str, data_dir: str, user_id: int, shared_id: int, worker: int) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "MATCHMAKER_DATA_DIR": data_dir, "SECRET_KEY": "x", "TESTING": True}
    )  # fmt: skip
    with app.test_request_context():
        user = db.session.get(User, user_id)
        for n in range(6):
            add_project(user, title=f"Song song {worker} số {n}")
            shared = db.session.get(Project, shared_id)
            name = f"phienban{worker}x{n}"
            projects.update_project(
                user, shared, ProjectInput(title=f"Dùng chung {name}", pi_name="B")
            )
        db.engine.dispose()


@pytest.fixture
def shared_url(database_urls, tmp_path):
    """A database several processes can open: the PostgreSQL test database, or a SQLite file."""
    if database_urls["kind"] == "postgresql":
        return database_urls["app"]
    return f"sqlite:///{tmp_path}/shared.db"


def test_concurrent_writers_in_processes_lose_no_update(
    database_urls, shared_url, tmp_path
):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = shared_url
        MATCHMAKER_DATA_DIR = str(tmp_path)

    app = create_app(Config)
    with app.test_request_context():
        db.create_all()
        try:
            user = User(email="w@example.com", full_name="Writer", role=Role.OFFICIAL)
            db.session.add(user)
            db.session.commit()
            shared = add_project(user, title="Dùng chung bản đầu", pi_name="B")
            search.rebuild()
            args = [
                (shared_url, str(tmp_path), user.id, shared.id, w) for w in range(3)
            ]
            with ProcessPoolExecutor(
                3, mp_context=multiprocessing.get_context("spawn")
            ) as pool:
                list(pool.map(_writer, *zip(*args, strict=True)))
            db.session.rollback()
            expected = set(
                db.session.scalars(
                    sa.select(Project.id).where(Project.title.like("Song song%"))
                )
            )
            assert len(expected) == 18
            assert set(ids("project", "song song")) == expected
            final = db.session.get(Project, shared.id).title.split()[-1]
            assert ids("project", final) == [shared.id]
            stale = [
                f"phienban{w}x{n}"
                for w in range(3)
                for n in range(6)
                if f"phienban{w}x{n}" != final
            ]
            assert all(search.find(word, {}).result.total == 0 for word in stale)
            assert search.pending_retries() == 0
        finally:
            db.session.remove()
            if database_urls["kind"] == "postgresql":
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.engine.dispose()  # fmt: skip


# The command line


def test_cli_rebuild_indexes_the_database(app, runner, indexed_ctx, official):
    add_project(official, title="Bản đồ sụt lún đất")
    shutil.rmtree(search.index_path())
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 documents" in result.output
    assert ids("project", "sụt lún") != []


def test_cli_check_reports_a_broken_index(app, runner, indexed_ctx):
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    shutil.rmtree(search.index_path())
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "matchmaker search rebuild" in result.output


def test_cli_retry_applies_queued_updates(app, runner, indexed_ctx, official):
    project = add_project(official, title="Cống ngăn mặn thông minh")
    db.session.add(SearchIndexRetry(kind="project", record_id=project.id, attempts=1))
    db.session.commit()
    result = runner.invoke(args=["search", "retry"])
    assert result.exit_code == 0, result.output
    assert "1 updates applied, 0 still waiting" in result.output


@pytest.mark.parametrize("query", ["AI nông nghiệp", "AI nong nghiep"])
def test_natural_query_finds_the_demo_rice_disease_ai_work(app, query):
    from matchmaker.demo import loader as demo

    demo.load_demo_data()
    with app.test_request_context():
        search.rebuild()
        outcome = search.find(query, {}, per_page=100)
    assert outcome.result is not None
    hits = outcome.result.hits
    rice = next(h for h in hits if "trí tuệ nhân tạo và ảnh drone" in h.title)
    assert rice.title.endswith("trên lúa")
    partial = [bool(hit.missing) for hit in hits]
    assert partial == sorted(partial)  # records holding every word come first
