"""Look-ups of the pickers of forms (static/js/picker.js): research fields and institutions, as JSON.

Each answers signed-in people only, is limited per account like the team look-up, and offers exactly what
the form that asks would accept: a person never finds an institution their form's list would not hold.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from matchmaker.blueprints import pickers
from matchmaker.blueprints.auth.decorators import signed_in
from matchmaker.extensions import limiter
from matchmaker.services import policy, reference
from matchmaker.services.institutions import choices

bp = Blueprint("lookups", __name__)


@bp.app_template_global()
def institution_lookup_min() -> int:
    """How many letters the institution pickers wait for (templates/_macros/picker.html)."""
    return choices.MIN_CHARS


def _fields_message(count: int) -> str:
    if not count:
        return _("No research field matches: try another word or a field code.")
    return ngettext(
        "%(num)d research field found.", "%(num)d research fields found.", count
    )


@bp.route("/fields")
@signed_in
@limiter.limit(pickers.lookup_limit, key_func=pickers.account_key)
def fields():
    """The research fields whose code, name or group contains every word of ``q``."""
    found = reference.find_subfields(request.args.get("q", ""))
    results = [{"id": code, "name": label, "group": group} for code, label, group in found]  # fmt: skip
    return pickers.lookup_response(results, message=_fields_message(len(found)))


def _institutions_message(lookup: choices.Lookup) -> str:
    if lookup.too_short:
        return _("Type at least %(n)d letters of the name.", n=choices.MIN_CHARS)
    if not lookup.institutions:
        return _("No institution in the list matches.")
    if lookup.more:
        return _("The first %(n)d institutions found: type more of the name to narrow the list.", n=len(lookup.institutions))  # fmt: skip
    return ngettext(
        "%(num)d institution found.", "%(num)d institutions found.", len(lookup.institutions)
    )  # fmt: skip


@bp.route("/institutions/<purpose>")
@signed_in
@limiter.limit(pickers.lookup_limit, key_func=pickers.account_key)
def institutions(purpose: str):
    """The institutions the form of ``purpose`` would accept from the signed-in person, matching ``q``."""
    if purpose not in policy.INSTITUTION_PURPOSES:
        abort(404)
    if not policy.may_choose_institutions(current_user, purpose):
        abort(403)
    lookup = choices.find_choosable(current_user, purpose, request.args.get("q", ""))
    results = [
        {"id": i.id, "name": i.name_vi, "short": i.short_name}
        for i in lookup.institutions
    ]
    return pickers.lookup_response(
        results, message=_institutions_message(lookup), more=lookup.more
    )
