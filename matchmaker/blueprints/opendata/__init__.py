"""Open data (``/open-data``): the "Dữ liệu mở" page, the downloads, the DCAT catalogue and the data package."""

from matchmaker.blueprints.opendata.views import bp

__all__ = ["bp"]
