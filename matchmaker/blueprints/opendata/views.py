"""The open data page and the files harvesters and people download; everything is public and read-only."""

from __future__ import annotations

import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
)

from matchmaker.blueprints.auth.decorators import open_to_everyone
from matchmaker.extensions import csrf
from matchmaker.services.messaging import links
from matchmaker.services.opendata import DATASETS, SCHEMA_VERSION, catalogue, files

bp = Blueprint("opendata", __name__, url_prefix="/open-data")
csrf.exempt(bp)  # read-only

DATASET_KEYS = ", ".join(DATASETS)


@bp.after_request
def shared(response: Response) -> Response:
    """Harvesters and scripts on other sites may read every answer; each is revalidated before reuse."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, no-cache")
    return response


@bp.get("/")
@open_to_everyone
def index():
    return render_template(
        "opendata/index.html", made=catalogue.built_datasets(), version=SCHEMA_VERSION,
        config=current_app.config, api_example=links.public_base_url() + "/api/v1/orders?per_page=5",
    )  # fmt: skip


def _json(body: dict, mimetype: str) -> Response:
    response = Response(
        json.dumps(body, ensure_ascii=False, indent=1), mimetype=mimetype
    )
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/catalog.jsonld")
@open_to_everyone
def catalog():
    """The DCAT-AP catalogue, as CKAN's DCAT harvester reads it."""
    return _json(catalogue.catalog(), "application/ld+json")


@bp.get("/datapackage.json")
@open_to_everyone
def datapackage():
    """The Frictionless Data Package of the CSV files."""
    return _json(catalogue.datapackage(), "application/json")


def _dataset(version: str, key: str):
    if version != SCHEMA_VERSION:
        abort(404)
    return DATASETS[key]


@bp.get(f"/v<version>/<any({DATASET_KEYS}):key>.<any(csv, json, xlsx):fmt>")
@open_to_everyone
def download(version: str, key: str, fmt: str):
    """One dataset in one format, made again first if the data changed."""
    built = files.current(_dataset(version, key))
    # Read whole (a few megabytes at most): a file left open until the server closes the answer is not needed.
    return send_file(
        io.BytesIO(built.path(fmt).read_bytes()), mimetype=files.FORMATS[fmt], as_attachment=True,
        download_name=files.file_name(key, fmt), etag=built.digests[fmt],
        last_modified=built.generated_at, max_age=0,
    )  # fmt: skip


@bp.get(f"/v<version>/<any({DATASET_KEYS}):key>.schema.json")
@open_to_everyone
def schema(version: str, key: str):
    """The Table Schema of one dataset's CSV and XLSX files."""
    return _json(catalogue.table_schema(_dataset(version, key)), "application/json")
