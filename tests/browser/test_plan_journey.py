"""An official keeps the Resolution 57 action plan up to date in a browser, on the Cần Thơ demo data.

Signs in, opens the register, downloads the CSV template, imports a small spreadsheet (two new tasks and one
that updates a demo task), checks the preview and confirms, filters the list by "late", opens a task and
records an update that then heads its timeline. The re-imported task's timeline says the import changed it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.models import PlanTask, PlanTaskStatus, User

pytestmark = pytest.mark.browser

OFFICIAL = "official@demo.cantho.example"
HEADER = "Mã,Tên nhiệm vụ,Kế hoạch,Mục tiêu,Cơ quan chủ trì,Thời hạn,Tình trạng"


@pytest.fixture(scope="module")
def demo_task(live_server) -> dict:
    """The demo data, and a demo task not started that the official's agency leads (the import starts it)."""
    with live_server.app.app_context():
        demo.load_demo_data()
        official = db.session.scalar(sa.select(User).where(User.email == OFFICIAL))
        task = db.session.scalar(
            sa.select(PlanTask)
            .where(
                PlanTask.lead_agency_id == official.institution_id,
                PlanTask.status == PlanTaskStatus.NOT_STARTED,
            )
            .order_by(PlanTask.code)
        )
        return {
            "id": task.id,
            "code": task.code,
            "title": task.title,
            "agency": task.lead_agency.name_vi,
        }


def _csv(tmp_path: Path, known: dict) -> Path:
    rows = [
        HEADER,
        f"NQ57-TN-01,Thí điểm chuyển đổi số ở phường Cái Khế,KH 22,Chuyển đổi số,{known['agency']},01/03/2025,Đang thực hiện",
        f"NQ57-TN-02,Đào tạo kỹ năng số cho người dân,KH 22,Nhân lực số,{known['agency']},31/12/2030,Chưa thực hiện",
        f"{known['code']},\"{known['title']}\",,,{known['agency']},,Đang thực hiện",
    ]  # fmt: skip
    path = tmp_path / "ke-hoach-bo-sung.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_official_imports_the_plan_then_reports_on_a_late_task(
    page, demo_task, tmp_path
):
    page.goto("/auth/login")
    page.locator("input[name=email]").fill(OFFICIAL)
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("main form [type=submit] >> nth=-1").click()
    expect(page.locator("#whoami")).to_have_count(1)

    page.goto("/plan/")
    expect(page.locator("#plan-summary")).to_be_visible()
    page.locator("#plan-import-link").click()
    page.wait_for_url("**/plan/import")

    with page.expect_download() as downloading:
        page.locator("#plan-template").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".csv")
    template = Path(download.path()).read_text(encoding="utf-8-sig")
    assert template.splitlines()[0].startswith("Mã,Tên nhiệm vụ,Kế hoạch")

    page.locator("input[name=upload]").set_input_files(_csv(tmp_path, demo_task))
    page.locator("main form [type=submit]").click()
    expect(page.locator("#plan-import-summary")).to_contain_text("2")
    expect(page.locator("#plan-problems")).to_have_count(0)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator('tr[data-code="NQ57-TN-01"]')).to_contain_text("mới")
    expect(page.locator('tr[data-code="NQ57-TN-02"]')).to_contain_text(
        "Đào tạo kỹ năng số cho người dân"
    )
    expect(page.locator(f'tr[data-code="{demo_task["code"]}"]')).to_contain_text(
        "cập nhật"
    )

    page.locator("#confirm-plan").click()
    page.wait_for_url("**/plan/")
    expect(page.locator(".alert-success")).to_contain_text("2")

    page.locator("#standing").select_option("late")
    page.locator("#sort").select_option("deadline")
    page.locator("form[role=search] [type=submit]").click()
    page.wait_for_url("**/plan/?*standing=late*")
    late = page.locator('tr[data-code="NQ57-TN-01"]')
    expect(late).to_contain_text("Chậm tiến độ")
    expect(page.locator('tr[data-code="NQ57-TN-02"]')).to_have_count(0)

    late.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Thí điểm chuyển đổi số ở phường Cái Khế")
    update = page.locator("#update-form")
    update.locator("textarea[name=text]").fill(
        "Đã khảo sát 12 thủ tục hành chính tại phường Cái Khế."
    )
    update.locator("[type=submit]").click()
    page.wait_for_url("**#updates")
    expect(page.locator("#task-updates li").first).to_contain_text(
        "Đã khảo sát 12 thủ tục hành chính tại phường Cái Khế."
    )

    page.goto(f"/plan/{demo_task['id']}")
    entry = page.locator("#task-updates li").first
    expect(entry).to_contain_text("ke-hoach-bo-sung.csv")
    expect(entry).to_contain_text("Đang thực hiện")
