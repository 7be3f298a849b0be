"""Open data: the platform's public datasets as downloads (CSV, JSON, XLSX) with a versioned schema, a DCAT-AP
catalogue and a Frictionless Data Package. Rows come from ``services.serialise`` (the API's serialisation)."""

from matchmaker.services.opendata.datasets import DATASETS, SCHEMA_VERSION, Dataset
from matchmaker.services.opendata.files import rebuild_downloads

__all__ = ["DATASETS", "SCHEMA_VERSION", "Dataset", "rebuild_downloads"]
