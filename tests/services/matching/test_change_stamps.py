"""Every record that feeds matching carries a change stamp, so an edit in place reaches the matches."""

from __future__ import annotations

import gc
import inspect
import itertools

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    IPAsset,
    IPKind,
    IPStatus,
    ResearcherField,
    ResearcherProfile,
    utcnow,
)
from matchmaker.models.base import Base
from matchmaker.services.matching import corpus
from matchmaker.services.matching import model as matching_model

# Read by matching, compared column by column in the fingerprint instead of by a stamp.
COMPARED_DIRECTLY = {
    "ResearcherField": "its field codes are part of the fingerprint",
    "User": "its institution, role and active flag are part of the fingerprint",
}


def _models_read_by_matching() -> dict[str, type]:
    return {
        name: value
        for name, value in vars(corpus).items()
        if inspect.isclass(value) and issubclass(value, Base) and value is not Base
    }


def test_every_model_matching_reads_has_an_updated_at_that_moves_on_update():
    models = _models_read_by_matching()
    assert {"Publication", "IPAsset", "ResultRecord", "Project"} <= set(models)
    missing = []
    for name, model in sorted(models.items()):
        if name in COMPARED_DIRECTLY:
            continue
        column = sa.inspect(model).columns.get("updated_at")
        if column is None or column.onupdate is None:
            missing.append(name)
    assert missing == []


def test_an_ip_asset_edited_in_place_changes_its_researchers_fingerprint(
    make_researcher,
):
    user = make_researcher("Trương Hoàng Phúc", "ctu", ["xâm nhập mặn"])
    profile = db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == user.id)
    )
    asset = IPAsset(
        researcher=profile,
        kind=IPKind.PATENT,
        title="Cống ngăn mặn",
        status=IPStatus.GRANTED,
    )
    db.session.add(asset)
    db.session.commit()
    key = corpus.researcher_id(profile.id)
    before = corpus.researcher_stamps()[key]
    asset.title = "Cống ngăn mặn tự động điều khiển từ xa"
    db.session.commit()
    assert corpus.researcher_stamps()[key] != before


# --- The cheap check before the fingerprints --------------------------------------------------------------


def test_every_model_matching_reads_is_in_the_version_check():
    """A table the candidates are built from but the version check ignores would leave its edits unmatched."""
    models = _models_read_by_matching()
    watched = {model.__name__ for model in corpus.SOURCE_TABLES}
    # A researcher's fields move their profile's time (models/researcher.py).
    assert set(models) - watched == {"ResearcherField"}


def _profile_of(user) -> ResearcherProfile:
    return db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == user.id)
    )


def test_the_version_moves_on_an_insert_an_update_a_delete_and_a_change_of_fields(
    make_researcher,
):
    user = make_researcher("Trương Hoàng Phúc", "ctu", ["xâm nhập mặn"])
    profile = _profile_of(user)
    seen = [corpus.data_version()]

    asset = IPAsset(researcher=profile, kind=IPKind.PATENT, title="Cống", status=IPStatus.GRANTED)  # fmt: skip
    db.session.add(asset)
    db.session.commit()
    seen.append(corpus.data_version())
    asset.title = "Cống ngăn mặn tự động"
    db.session.commit()
    seen.append(corpus.data_version())
    db.session.delete(asset)
    db.session.commit()
    seen.append(corpus.data_version())
    profile.field_rows = [ResearcherField(field_code="20105")]
    db.session.commit()
    seen.append(corpus.data_version())
    # Each step moves it from the one before (the model compares with the version it was last synced to).
    assert all(a != b for a, b in itertools.pairwise(seen))
    assert corpus.data_version() == seen[-1]  # and it stays put while nothing changes


def _statements(run) -> int:
    seen = []

    def count(*_args) -> None:
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_serving_reads_the_fingerprints_only_after_a_change(app, make_researcher):
    user = make_researcher("Trương Hoàng Phúc", "ctu", ["xâm nhập mặn"])

    def serve() -> None:
        with matching_model.serving():
            pass

    serve()  # builds the model
    serve()  # brings it up to date once
    assert _statements(serve) == 0  # asked a moment ago: not even the version check
    app.config["MATCHING_PROBE_SECONDS"] = 0
    quiet = _statements(serve)
    assert quiet == 1  # the version check alone
    _profile_of(user).keywords = ["phù sa", "lúa"]
    db.session.commit()
    assert _statements(serve) > quiet
    assert _statements(serve) == quiet
    app.config["MATCHING_FULL_SYNC_SECONDS"] = 0  # the safety net reads them anyway
    assert _statements(serve) > quiet


def test_this_process_sees_its_own_change_at_once_and_another_s_within_the_probe_time(
    app, make_researcher
):
    user = make_researcher("Trương Hoàng Phúc", "ctu", ["xâm nhập mặn"])
    # Words the model knows from its fit (an update is read with the fitted vocabulary).
    make_researcher("Lê Thị Mai", "ctu", ["phù sa", "rừng ngập mặn", "vi khuẩn lam"])
    app.config["MATCHING_PROBE_SECONDS"] = 3600
    with matching_model.serving():
        pass

    def serve() -> int:
        def enter() -> None:
            with matching_model.serving():
                pass

        return _statements(enter)

    def matched(words: str) -> bool:
        with matching_model.serving() as model:
            found = model.groups["researchers"].matcher.query(words, k=5)
        return any(
            m.candidate_id == corpus.researcher_id(_profile_of(user).id) for m in found
        )

    assert matched("xâm nhập mặn")  # builds the model, then brings it up to date
    assert serve() == 0
    # A commit of this session (an edit in this process): the next request probes and syncs at once.
    _profile_of(user).keywords = ["phù sa", "lúa"]
    db.session.commit()
    assert matched("phù sa") and not matched("xâm nhập mặn")
    # A bulk statement through the session counts too.
    db.session.execute(
        sa.update(ResearcherProfile)
        .where(ResearcherProfile.user_id == user.id)
        .values(keywords=["rừng ngập mặn"], updated_at=utcnow())
    )
    db.session.commit()
    assert matched("rừng ngập mặn")
    # Another process's change (its own connection, no event here) waits for the probe time.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(ResearcherProfile)
            .where(ResearcherProfile.user_id == user.id)
            .values(keywords=["vi khuẩn lam"], updated_at=utcnow())
        )
    db.session.expire_all()
    assert serve() == 0 and not matched("vi khuẩn lam")
    app.config["MATCHING_PROBE_SECONDS"] = 0
    assert matched("vi khuẩn lam")


def test_a_loaded_or_refitted_model_leaves_the_garbage_collector_s_scans(
    app, make_researcher
):
    """GC_FREEZE: a full collection would otherwise walk the whole model in the middle of a request."""
    make_researcher("Trương Hoàng Phúc", "ctu", ["xâm nhập mặn"])
    gc.unfreeze()
    try:
        matching_model.refit()
        assert gc.get_freeze_count() == 0  # off in the tests' configuration
        app.config["GC_FREEZE"] = True
        matching_model.refit()
        after_refit = gc.get_freeze_count()
        assert after_refit > 0
        gc.unfreeze()
        matching_model._live().model = None  # another worker: loads the saved model
        with matching_model.serving() as model:
            assert model.groups["researchers"].matcher is not None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_worker_warms_the_saved_model_at_start_but_never_fits_one(
    app, make_researcher
):
    """gunicorn's post_worker_init: the first visitor of a new worker does not wait for the model."""
    make_researcher("Trương Hoàng Phúc", "ctu", ["xâm nhập mặn"])
    matching_model.model_path().unlink(missing_ok=True)
    assert matching_model.warm() is False
    assert not matching_model.model_path().exists()  # nothing fitted at start
    matching_model.refit()
    matching_model._live().model = None  # a new worker: nothing loaded yet
    assert matching_model.warm() is True
    assert matching_model._live().model is not None

    def serve() -> None:
        with matching_model.serving():
            pass

    assert _statements(serve) == 0  # loaded and brought up to date already
