"""psycopg waits for PostgreSQL with its Python ``poll()`` loop, not with its C wait function.

Under load with several threads per process (gunicorn's gthread workers, the threaded development server),
psycopg's C wait function (``wait_c`` of psycopg-binary 3.3.9, on CPython 3.11) corrupted the heap: a
worker died of a segmentation fault, or of glibc's "corrupted size vs. prev_size in fastbins" (an object
freed twice), about once in 7,000 requests when the cores were busy. psycopg's ``wait_poll`` (the one it
uses wherever its C module is missing) does the same waiting in Python: no crash in any run since, and no
slower (README, "Worker crashes"). The rest of psycopg's C implementation (reading results, adapting
parameters) is still used.

psycopg chooses its wait function once, when it is first imported, from ``PSYCOPG_WAIT_FUNC``. Importing
this module sets that variable unless the operator set it, and switches a psycopg imported earlier the same
way. ``PSYCOPG_WAIT_FUNC=wait_c`` restores psycopg's default, e.g. to check whether a later release is
fixed with ``bench/load.py --busy 2``.
"""

from __future__ import annotations

import os
import sys

WAIT_FUNCTION = "wait_poll"


def use_python_wait() -> str:
    """Make psycopg wait with ``PSYCOPG_WAIT_FUNC`` (``wait_poll`` unless set); return that name."""
    name = os.environ.setdefault("PSYCOPG_WAIT_FUNC", WAIT_FUNCTION)
    waiting = sys.modules.get("psycopg.waiting")
    if waiting is not None:
        waiting.wait = getattr(waiting, name)
    return name


use_python_wait()
