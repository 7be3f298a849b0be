"""The visitors of the load test (bench/load.py runs this file; it is not meant to run on its own).

bench/load.py writes, before the run, a JSON file (its path in ``LOAD_SAMPLE``) with ids anyone may open,
the demo accounts and their password, and search words with and without diacritics. The mix, per user:
- anonymous visitors (most users): home, search, researchers (list, filters, profiles), orders (list,
  detail), needs, the public dashboard, the API's reads;
- a city official (signed in): home ("Việc của tôi"), the officials' dashboard, orders with their matches;
- a researcher (signed in): home with recommendations, orders, own search;
- an enterprise representative (signed in): its needs with their matching researchers.
Requests are named by page (``/researchers/[id]``), so the report has one line per page, not per id.
Signing in reads the CSRF token from the login form, as a browser posts it; signed-in visitors also sign in
again now and then, so that signing in is measured under the full load too.
"""

from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task

with open(os.environ["LOAD_SAMPLE"], encoding="utf-8") as _handle:
    SAMPLE = json.load(_handle)
IDS = SAMPLE["ids"]
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def _query(folded: bool = False) -> str:
    return random.choice(SAMPLE["queries_folded" if folded else "queries"])


class Page(HttpUser):
    """One connection per request (``Connection: close``), as a reverse proxy in front of gunicorn talks
    to it: gunicorn's idle keep-alive connections are closed after 2 s, and a client that reuses one just
    as it closes gets "connection reset by peer" (the first runs, which kept connections, saw this)."""

    abstract = True

    def on_start(self) -> None:
        self.client.headers["Connection"] = "close"


class Visitor(Page):
    """Someone who is not signed in."""

    weight = 6
    wait_time = between(1, 3)

    @task(4)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(3)
    def search(self) -> None:
        self.client.get(
            "/search/", params={"q": _query()}, name="/search/?q=[diacritics]"
        )

    @task(2)
    def search_folded(self) -> None:
        self.client.get(
            "/search/",
            params={"q": _query(folded=True)},
            name="/search/?q=[no diacritics]",
        )

    @task(2)
    def researchers(self) -> None:
        self.client.get(
            "/researchers/",
            params={"page": random.randint(1, 20)},
            name="/researchers/",
        )

    @task(2)
    def researchers_filtered(self) -> None:
        params = random.choice(
            [
                {"field": random.choice(IDS["fields"])},
                {"institution": random.choice(IDS["institutions"])},
                {"q": _query()},
                {"q": _query(folded=True), "field": random.choice(IDS["fields"])},
            ]
        )
        self.client.get("/researchers/", params=params, name="/researchers/?[filters]")

    @task(4)
    def researcher(self) -> None:
        self.client.get(
            f"/researchers/{random.choice(IDS['researchers'])}",
            name="/researchers/[id]",
        )

    @task(2)
    def orders(self) -> None:
        self.client.get("/orders/", name="/orders/")

    @task(3)
    def order(self) -> None:
        self.client.get(f"/orders/{random.choice(IDS['orders'])}", name="/orders/[id]")

    @task(1)
    def needs(self) -> None:
        self.client.get("/enterprises/needs", name="/enterprises/needs")

    @task(1)
    def need(self) -> None:
        self.client.get(
            f"/enterprises/needs/{random.choice(IDS['needs'])}",
            name="/enterprises/needs/[id]",
        )

    @task(1)
    def public_dashboard(self) -> None:
        self.client.get("/dashboard/public", name="/dashboard/public")

    @task(1)
    def api_researchers(self) -> None:
        self.client.get(
            "/api/v1/researchers",
            params=random.choice(
                [{}, {"q": _query()}, {"field": random.choice(IDS["fields"])}]
            ),
            name="/api/v1/researchers",
        )

    @task(1)
    def api_researcher(self) -> None:
        self.client.get(
            f"/api/v1/researchers/{random.choice(IDS['researchers'])}",
            name="/api/v1/researchers/[id]",
        )

    @task(1)
    def api_orders(self) -> None:
        self.client.get(
            "/api/v1/orders", params={"sort": "deadline"}, name="/api/v1/orders"
        )

    @task(1)
    def api_projects(self) -> None:
        self.client.get(
            "/api/v1/projects",
            params={"page": random.randint(1, 50)},
            name="/api/v1/projects",
        )

    @task(1)
    def api_search(self) -> None:
        self.client.get(
            "/api/v1/search", params={"q": _query(folded=True)}, name="/api/v1/search"
        )


class SignedIn(Page):
    """A demo account that signs in when it starts."""

    abstract = True
    account = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.sign_in()

    @task(1)
    def sign_in_again(self) -> None:
        """Someone signing in from a new browser (no cookie), during the load and not only as users start;
        signing out would end every session of the shared demo account."""
        self.client.cookies.clear()
        self.sign_in()

    def sign_in(self) -> None:
        """The form, then its POST, each measured as its own page; the home the POST redirects to is then
        opened as the browser would, and counted with the account's other home pages."""
        form = self.client.get("/auth/login", name="/auth/login")
        token = CSRF.search(form.text)
        with self.client.post(
            "/auth/login",
            data={
                "csrf_token": token.group(1) if token else "",
                "email": SAMPLE["accounts"][self.account],
                "password": SAMPLE["password"],
            },
            name="/auth/login [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            # A successful sign-in redirects home; a refused one shows the form again (or asks to verify).
            target = answer.headers.get("Location", "")
            if answer.status_code != 302 or "/auth/" in target:
                answer.failure(f"sign-in as {self.account} refused")
                return
        self.home()

    def visit(self, path: str, name: str) -> None:
        """A page of the signed-in account: sent back to the sign-in form means the session was lost."""
        with self.client.get(path, name=name, catch_response=True) as answer:
            if "/auth/login" in answer.url:
                answer.failure(f"{self.account} no longer signed in")

    @task(3)
    def home(self) -> None:
        self.visit("/", f"/ ({self.account})")


class Official(SignedIn):
    weight = 1
    account = "official"

    @task(2)
    def dashboard(self) -> None:
        self.visit("/dashboard/", "/dashboard/ (official)")

    @task(3)
    def own_order(self) -> None:
        self.visit(
            f"/orders/{random.choice(IDS['official_orders'])}",
            "/orders/[id] (official, matches)",
        )

    @task(1)
    def orders(self) -> None:
        self.visit("/orders/", "/orders/ (official)")


class Researcher(SignedIn):
    weight = 1
    account = "researcher"

    @task(1)
    def order(self) -> None:
        self.visit(
            f"/orders/{random.choice(IDS['orders'])}", "/orders/[id] (researcher)"
        )


class Enterprise(SignedIn):
    weight = 1
    account = "enterprise"

    @task(3)
    def own_need(self) -> None:
        self.visit(
            f"/enterprises/needs/{random.choice(IDS['enterprise_needs'])}",
            "/enterprises/needs/[id] (enterprise, matches)",
        )

    @task(1)
    def needs(self) -> None:
        self.visit("/enterprises/needs", "/enterprises/needs (enterprise)")
