"""The Cần Thơ demo dataset (JSON files under data/)."""
