"""The "Dữ liệu mở" page, the downloads over HTTP, and the harvestable descriptions checked with the
standard tools: the Data Package with frictionless, the DCAT-AP catalogue with rdflib as CKAN's DCAT
harvester reads it (ckanext-dcat's parser itself needs a whole CKAN installed; see README "Open data")."""

from __future__ import annotations

import csv
import io
import json
import re

import frictionless
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from matchmaker.services.opendata import SCHEMA_VERSION
from matchmaker.services.opendata.datasets import DATASETS

BASE = "http://matchmaker.test"  # TestConfig.PUBLIC_BASE_URL; the test client's host is localhost
TITLE = "Quan trắc độ mặn tự động trên sông Hậu"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"


def _seed(make_order, make_researcher):
    make_order(TITLE, "Công khai.", state_budget=900_000_000)
    make_researcher("Trần Thị Ngọc Hân", "ctu", ["thủy văn"], "Mô hình dòng chảy.")


def test_the_page_lists_every_dataset_with_its_downloads(
    app, client, make_order, make_researcher
):
    _seed(make_order, make_researcher)
    html = client.get("/open-data/").get_data(as_text=True)
    assert (
        "Dữ liệu mở" in html
        and "CC BY 4.0" in html
        and "https://creativecommons.org/licenses/by/4.0/" in html
    )
    assert "Trung tâm Đổi mới sáng tạo thành phố Cần Thơ" in html
    for key in DATASETS:
        for fmt in ("csv", "json", "xlsx"):
            assert f'href="/open-data/v{SCHEMA_VERSION}/{key}.{fmt}"' in html
        assert f'href="/open-data/v{SCHEMA_VERSION}/{key}.schema.json"' in html
    assert (
        'href="/api/v1/docs/"' in html
        and f'curl -H "Accept-Language: vi" "{BASE}/api/v1/orders' in html
    )
    assert 'id="footer-open-data"' in html
    client.get("/lang/en")
    english = client.get("/open-data/").get_data(as_text=True)
    assert "Open data" in english and "Using the API" in english


def test_a_download_is_named_with_its_version_and_can_be_revalidated(
    app, client, make_order, make_researcher
):
    _seed(make_order, make_researcher)
    answer = client.get(f"/open-data/v{SCHEMA_VERSION}/orders.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert (
        f"cantho-orders-v{SCHEMA_VERSION}.csv" in answer.headers["Content-Disposition"]
    )
    assert answer.data.startswith(b"\xef\xbb\xbf") and TITLE in answer.data.decode(
        "utf-8-sig"
    )
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    etag, modified = answer.headers["ETag"], answer.headers["Last-Modified"]
    assert (
        client.get(answer.request.path, headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert (
        client.get(
            answer.request.path, headers={"If-Modified-Since": modified}
        ).status_code
        == 304
    )
    make_order("Nhiệm vụ mới về phù sa")
    fresh = client.get(answer.request.path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "Nhiệm vụ mới về phù sa" in fresh.data.decode(
        "utf-8-sig"
    )
    xlsx = client.get(f"/open-data/v{SCHEMA_VERSION}/researchers.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")


def test_unknown_versions_datasets_and_formats_are_not_found(app, client):
    for path in ("/open-data/v0.9/orders.csv", "/open-data/v1.0/users.csv", "/open-data/v1.0/orders.xml",
                 "/open-data/v2.0/orders.schema.json"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_the_data_package_and_every_csv_validate_with_frictionless(app, client, tmp_path, make_order,
                                                                  make_researcher, api_records):  # fmt: skip
    _seed(make_order, make_researcher)
    package = client.get("/open-data/datapackage.json").get_json()
    assert Package_errors(package) == []
    assert {r["name"] for r in package["resources"]} == set(DATASETS)
    for resource in package["resources"]:
        assert (
            resource["path"]
            == f"{BASE}/open-data/v{SCHEMA_VERSION}/{resource['name']}.csv"
        )
        local = tmp_path / f"{resource['name']}.csv"
        local.write_bytes(client.get(resource["path"].removeprefix(BASE)).data)
        resource["path"] = local.name
        published = client.get(
            f"/open-data/v{SCHEMA_VERSION}/{resource['name']}.schema.json"
        ).get_json()
        assert published == resource["schema"]
    report = frictionless.validate(package, basepath=str(tmp_path))
    assert report.valid, report.flatten(["title", "message"])
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["orders"] >= 2 and rows["researchers"] >= 2 and all(rows.values())


def Package_errors(descriptor: dict) -> list[str]:  # noqa: N802 - reads as what it checks
    return [
        error.message for error in frictionless.Package.metadata_validate(descriptor)
    ]


def test_frictionless_would_find_a_broken_csv(
    app, client, tmp_path, make_order, make_researcher
):
    """The validation above is not vacuous: a CSV whose numbers are words fails it."""
    _seed(make_order, make_researcher)
    package = client.get("/open-data/datapackage.json").get_json()
    orders = next(r for r in package["resources"] if r["name"] == "orders")
    text = client.get(f"/open-data/v{SCHEMA_VERSION}/orders.csv").data.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows[1][rows[0].index("state_budget")] = "chín trăm triệu"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    (tmp_path / "orders.csv").write_bytes(out.getvalue().encode("utf-8-sig"))
    orders["path"] = "orders.csv"
    package["resources"] = [orders]
    report = frictionless.validate(package, basepath=str(tmp_path))
    assert not report.valid
    assert "type-error" in {error.type for error in report.tasks[0].errors}


def _catalogue(client) -> rdflib.Graph:
    answer = client.get("/open-data/catalog.jsonld")
    assert answer.mimetype == "application/ld+json"
    # What CKAN's DCAT harvester does with a JSON-LD catalogue: rdflib parses it with format "json-ld".
    return rdflib.Graph().parse(data=answer.get_data(as_text=True), format="json-ld")


def test_the_dcat_catalogue_gives_every_dataset_as_the_dcat_harvester_reads_it(app, client, make_order,
                                                                                make_researcher):  # fmt: skip
    _seed(make_order, make_researcher)
    graph = _catalogue(client)
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert str(catalog) == f"{BASE}/open-data/catalog.jsonld"
    publisher = graph.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert (
        str(graph.value(publisher, FOAF.name))
        == "Trung tâm Đổi mới sáng tạo thành phố Cần Thơ"
    )
    assert (
        str(graph.value(catalog, DCTERMS.license))
        == "https://creativecommons.org/licenses/by/4.0/"
    )
    assert {lit.language for lit in graph.objects(catalog, DCTERMS.title)} == {
        "vi",
        "en",
    }
    # ckanext-dcat's RDFParser.datasets(): every subject typed dcat:Dataset becomes a CKAN dataset.
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert set(graph.objects(catalog, DCAT.dataset)) == set(datasets) and len(
        datasets
    ) == len(DATASETS)
    found = graph.query("""
        SELECT ?dataset ?identifier ?title ?modified ?frequency ?license ?publisher WHERE {
          ?catalog a dcat:Catalog ; dcat:dataset ?dataset .
          ?dataset a dcat:Dataset ; dct:identifier ?identifier ; dct:description ?description ;
                   dct:title ?title ; dct:modified ?modified ; dct:accrualPeriodicity ?frequency ;
                   dct:license ?license ; dct:publisher ?publisher ; dcat:keyword ?keyword ;
                   dcat:landingPage ?page .
          FILTER (lang(?title) = "vi" && lang(?description) = "vi")
        }""", initNs={"dcat": DCAT, "dct": DCTERMS})  # fmt: skip
    identifiers = {str(row.identifier) for row in found}
    assert identifiers == {f"cantho-matchmaker-{key}" for key in DATASETS}
    assert {str(row.frequency) for row in found} == {EU_FREQUENCY + "CONT"}
    assert {row.publisher for row in found} == {publisher}
    assert all(
        row.modified.datatype == rdflib.XSD.dateTime and row.modified.toPython().tzinfo
        for row in found
    )
    titles = {str(row.title) for row in found}
    assert "Các nhiệm vụ khoa học công nghệ do thành phố đặt hàng" in titles


def test_every_distribution_has_its_address_format_and_licence(
    app, client, make_order, make_researcher
):
    _seed(make_order, make_researcher)
    graph = _catalogue(client)
    downloads = {}
    for dataset in graph.subjects(RDF.type, DCAT.Dataset):
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert len(distributions) == 4  # CSV, JSON, XLSX and the API
        for distribution in distributions:
            assert (distribution, RDF.type, DCAT.Distribution) in graph
            access = str(graph.value(distribution, DCAT.accessURL))
            assert access.startswith(BASE + "/")
            assert str(graph.value(distribution, DCTERMS.format)).startswith(
                "http://publications.europa.eu/resource/authority/file-type/"
            )
            assert str(graph.value(distribution, DCAT.mediaType)).startswith(
                "http://www.iana.org/assignments/"
            )
            assert graph.value(distribution, DCTERMS.license) is not None
            if (download := graph.value(distribution, DCAT.downloadURL)) is not None:
                downloads[str(download)] = str(
                    graph.value(distribution, DCAT.mediaType)
                )
    assert len(downloads) == 3 * len(DATASETS)
    for url, media_type in downloads.items():
        answer = client.get(url.removeprefix(BASE))
        assert answer.status_code == 200, url
        assert media_type.endswith(answer.mimetype), (url, answer.mimetype)
    api = client.get("/api/v1/orders").get_json()
    assert api["total"] == 1


def test_absolute_links_never_come_from_the_request(app, client):
    body = client.get(
        "/open-data/catalog.jsonld", headers={"Host": "evil.example"}
    ).get_data(as_text=True)
    body += client.get(
        "/open-data/datapackage.json", headers={"Host": "evil.example"}
    ).get_data(as_text=True)
    assert "evil.example" not in body and "localhost" not in body
    assert json.loads(body.split("\n}", 1)[0] + "\n}")["@id"].startswith(BASE)


def test_a_figure_is_the_same_number_in_the_api_on_the_page_and_in_every_download(
    app, client, city, monkeypatch
):
    from openpyxl import load_workbook

    from matchmaker.services import dashboard
    from tests.fixtures.dashboard import TODAY

    monkeypatch.setattr(dashboard, "local_today", lambda: TODAY)
    base = f"/open-data/v{SCHEMA_VERSION}/figures"
    api = {
        f["key"]: f["value"] for f in client.get("/api/v1/figures").get_json()["items"]
    }
    html = client.get("/dashboard/public").get_data(as_text=True)
    page = dict(re.findall(r'id="figure-([a-z_]+)".*?data-value="([^"]*)"', html, re.S))
    assert {k: "" if v is None else str(v) for k, v in api.items()} == page
    assert any(v for v in api.values()), "no figure to compare"
    text = client.get(f"{base}.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["key"]: r["value"] for r in rows} == page
    items = client.get(f"{base}.json").get_json()["items"]
    assert {i["key"]: i["value"] for i in items} == api
    # Each row is the API's own item (in Vietnamese, the API's default) with its period.
    api_items = client.get("/api/v1/figures").get_json()["items"]
    assert [
        {k: v for k, v in i.items() if not k.startswith("period_")} for i in items
    ] == api_items
    sheet = load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data))["figures"]
    header, *cells = [[c.value for c in row] for row in sheet.iter_rows()]
    at = header.index("value")
    assert {row[0]: row[at] for row in cells} == api
    assert {r["period_start"] for r in rows} == {f"{TODAY.year}-01-01"}
