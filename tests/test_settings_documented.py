"""Every setting read from the environment in config.py has a row in the README's Configuration table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r'(?:environ\.get|_env_bool|_env_list)\(\s*"([A-Z][A-Z0-9_]*)"')


def _configuration_table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


def test_every_setting_is_in_the_configuration_table():
    names = set(READ.findall((ROOT / "matchmaker" / "config.py").read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "GUNICORN_WORKERS"} <= names
    names -= {"TEST_DATABASE_URL"}  # the test suite's, documented under Tests
    table = _configuration_table()
    assert sorted(n for n in names if f"`{n}`" not in table) == []
