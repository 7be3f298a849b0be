"""The harvestable descriptions of the open datasets: a DCAT-AP catalogue (JSON-LD, as CKAN's DCAT harvester
reads it) and a Frictionless Data Package. Every link is absolute, built from PUBLIC_BASE_URL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from matchmaker.services.messaging import links
from matchmaker.services.opendata import files, tables
from matchmaker.services.opendata.datasets import DATASETS, SCHEMA_VERSION, Dataset

CATALOG_TITLE = _l(
    "Open data of the Cần Thơ science, technology and innovation platform"
)
CATALOG_DESCRIPTION = _l(
    "Public records of the platform (research orders the city placed, their results, research projects, "
    "researchers, institutions, enterprises' technology needs and the public dashboard's figures) as CSV, JSON and XLSX files with a "
    "documented, versioned schema, and through a read-only JSON API."
)
LANGUAGES = ("vi", "en")

EU = "http://publications.europa.eu/resource/authority"
IANA = "http://www.iana.org/assignments/media-types"
FILE_TYPES = {"csv": "CSV", "json": "JSON", "xlsx": "XLSX"}
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def download_url(key: str, fmt: str) -> str:
    return links.absolute_url(
        "opendata.download", version=SCHEMA_VERSION, key=key, fmt=fmt
    )


def schema_url(key: str) -> str:
    return links.absolute_url("opendata.schema", version=SCHEMA_VERSION, key=key)


def page_url() -> str:
    return links.absolute_url("opendata.index")


def _texts(text: object) -> list[dict[str, str]]:
    """``text`` in each language, as language-tagged literals."""
    found = []
    for language in LANGUAGES:
        with force_locale(language):
            found.append({"@language": language, "@value": str(text)})
    return found


def _moment(value: datetime) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"}


def _publisher() -> dict[str, Any]:
    config = current_app.config
    homepage = config.get("OPEN_DATA_PUBLISHER_URL") or links.public_base_url()
    return {"@id": f"{homepage.rstrip('/')}/#publisher", "@type": "foaf:Agent",
            "foaf:name": config["OPEN_DATA_PUBLISHER"], "foaf:homepage": {"@id": homepage}}  # fmt: skip


def _distribution(dataset: Dataset, built: files.Built, fmt: str) -> dict[str, Any]:
    url = download_url(dataset.key, fmt)
    return {
        "@id": url, "@type": "dcat:Distribution",
        "dct:title": f"{dataset.key}.{fmt} (schema v{SCHEMA_VERSION})",
        "dcat:accessURL": {"@id": url}, "dcat:downloadURL": {"@id": url},
        "dct:format": {"@id": f"{EU}/file-type/{FILE_TYPES[fmt]}"},
        "dcat:mediaType": {"@id": f"{IANA}/{MEDIA_TYPES[fmt]}"},
        "dct:license": {"@id": current_app.config["OPEN_DATA_LICENSE"]},
        "dct:conformsTo": {"@id": schema_url(dataset.key)},
        "dct:modified": _moment(built.generated_at),
    }  # fmt: skip


def _api_distribution(dataset: Dataset) -> dict[str, Any]:
    url = links.public_base_url() + dataset.api_path
    return {
        "@id": url, "@type": "dcat:Distribution",
        "dct:title": "JSON API (/api/v1)",
        # Computed records (the figures) come in one answer; stored ones a page at a time.
        "dct:description": ("JSON" if dataset.computed else "Paged JSON") + "; OpenAPI document at "
        + links.absolute_url("api.openapi_document"),
        "dcat:accessURL": {"@id": url},
        "dct:format": {"@id": f"{EU}/file-type/JSON"},
        "dcat:mediaType": {"@id": f"{IANA}/application/json"},
        "dct:license": {"@id": current_app.config["OPEN_DATA_LICENSE"]},
    }  # fmt: skip


def _dataset(dataset: Dataset, built: files.Built, publisher_id: str) -> dict[str, Any]:
    config = current_app.config
    landing = f"{page_url()}#{dataset.key}"
    entry = {
        "@id": landing, "@type": "dcat:Dataset",
        "dct:identifier": f"cantho-matchmaker-{dataset.key}",
        "dct:title": _texts(dataset.title), "dct:description": _texts(dataset.description),
        "dcat:keyword": list(dataset.keywords),
        "dct:publisher": {"@id": publisher_id},
        "dct:license": {"@id": config["OPEN_DATA_LICENSE"]},
        "dct:accrualPeriodicity": {"@id": f"{EU}/frequency/{dataset.frequency}"},
        "dct:language": {"@id": f"{EU}/language/VIE"},
        "dct:spatial": {"@id": "https://www.geonames.org/1586203"},  # Cần Thơ
        "dcat:theme": {"@id": f"{EU}/data-theme/TECH"},
        "dcat:landingPage": {"@id": landing},
        "dct:conformsTo": {"@id": schema_url(dataset.key)},
        "dct:modified": _moment(built.modified or built.generated_at),
        "dcat:distribution": [_distribution(dataset, built, fmt) for fmt in files.FORMATS]
        + [_api_distribution(dataset)],
    }  # fmt: skip
    if config.get("OPEN_DATA_CONTACT_EMAIL"):
        entry["dcat:contactPoint"] = {"@type": "vcard:Organization", "vcard:fn": config["OPEN_DATA_PUBLISHER"],
                                      "vcard:hasEmail": {"@id": f"mailto:{config['OPEN_DATA_CONTACT_EMAIL']}"}}  # fmt: skip
    return entry


def built_datasets() -> list[tuple[Dataset, files.Built]]:
    """Every dataset with its files, made again first where the data changed."""
    return [(dataset, files.current(dataset)) for dataset in DATASETS.values()]


def catalog() -> dict[str, Any]:
    """The DCAT-AP catalogue of the open datasets, as JSON-LD."""
    publisher = _publisher()
    made = built_datasets()
    modified = max(built.modified or built.generated_at for _, built in made)
    return {
        "@context": CONTEXT,
        "@id": links.absolute_url("opendata.catalog"), "@type": "dcat:Catalog",
        "dct:title": _texts(CATALOG_TITLE), "dct:description": _texts(CATALOG_DESCRIPTION),
        "dct:publisher": publisher,
        "dct:license": {"@id": current_app.config["OPEN_DATA_LICENSE"]},
        "dct:language": [{"@id": f"{EU}/language/VIE"}, {"@id": f"{EU}/language/ENG"}],
        "foaf:homepage": {"@id": page_url()},
        "dct:modified": _moment(modified),
        "dcat:dataset": [_dataset(dataset, built, publisher["@id"]) for dataset, built in made],
    }  # fmt: skip


def table_schema(dataset: Dataset) -> dict[str, Any]:
    """The Frictionless Table Schema of ``dataset``'s CSV and XLSX files."""
    return tables.table_schema(dataset.columns, SCHEMA_VERSION, dataset.primary_key)


def datapackage() -> dict[str, Any]:
    """The Frictionless Data Package: one tabular resource (the CSV file) per dataset, its schema inline."""
    config = current_app.config
    with force_locale("en"):
        title, description = str(CATALOG_TITLE), str(CATALOG_DESCRIPTION)
    resources = []
    for dataset, built in built_datasets():
        with force_locale("en"):
            name, about = str(dataset.title), str(dataset.description)
        resources.append({
            "name": dataset.key, "path": download_url(dataset.key, "csv"), "profile": "tabular-data-resource",
            "title": name, "description": about, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "bytes": built.path("csv").stat().st_size,
            "dialect": {"delimiter": ",", "header": True},
            "schema": table_schema(dataset),
            "sources": [{"title": "API", "path": links.public_base_url() + dataset.api_path}],
        })  # fmt: skip
    return {
        "profile": "tabular-data-package", "name": "cantho-matchmaker-open-data", "id": page_url(),
        "title": title, "description": description, "version": SCHEMA_VERSION, "homepage": page_url(),
        "licenses": [{"name": _license_id(config["OPEN_DATA_LICENSE_NAME"]), "path": config["OPEN_DATA_LICENSE"],
                      "title": config["OPEN_DATA_LICENSE_NAME"]}],
        "contributors": [{"title": config["OPEN_DATA_PUBLISHER"], "role": "publisher",
                          "path": config.get("OPEN_DATA_PUBLISHER_URL") or links.public_base_url()}],
        "keywords": ["Cần Thơ", "khoa học công nghệ", "đổi mới sáng tạo", "open data"],
        "resources": resources,
    }  # fmt: skip


def _license_id(name: str) -> str:
    """An Open Definition style id from a licence's name: ``CC BY 4.0`` → ``CC-BY-4.0``."""
    return "-".join(name.split())
