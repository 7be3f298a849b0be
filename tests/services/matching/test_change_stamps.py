"""Every record that feeds matching carries a change stamp, so an edit in place reaches the matches."""

from __future__ import annotations

import inspect

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import IPAsset, IPKind, IPStatus, ResearcherProfile
from matchmaker.models.base import Base
from matchmaker.services.matching import corpus

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
