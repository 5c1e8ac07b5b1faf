"""订单导入 from the console and the API, on SQLite and PostgreSQL: upload (multipart) →
background job polled until the summary (detected platform and encoding, counts), the import
history, each import's report with its rejected rows (row, column, reason) as a page and as
xlsx; POST /api/v1/imports answers the CLI's summary keys; bad files fail clearly and change
nothing."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.core.errors import ShopOpsError
from shopops.orders.import_jobs import ImportJob
from shopops.orders.models import ImportBatch, Order
from shopops.stores.service import add_store
from shopops.web.app import create_app
from tests import factories
from tests.importers.fixtures import GENERIC_MAPPING_JSON, malformed_files, platform_files

USER, PASSWORD = "ops", "correct horse battery"
FILES = platform_files()
SUMMARY_KEYS = {"platform", "encoding", "read", "new", "updated", "unchanged", "rejected",
                "import_id"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def shop(app: App) -> Iterator[App]:
    with app.uow() as uow:
        create_user(uow, USER, PASSWORD)
        for code, platform in (("tm-1", "tmall"), ("pdd-1", "pdd"), ("dy-1", "douyin"),
                               ("own-1", "own")):
            add_store(uow, code, platform)
        product = factories.add_product(uow, "P-1", factories.add_category(uow, "C-1"))
        # PDD-SKU-3 is missing on purpose: its order is rejected with the column and reason
        for code in ("SKU-A", "SKU-B", "SKU-C", "SKU-D", "PDD-SKU-1", "PDD-SKU-2", "DY-1",
                     "DY-2", "DY-3", "OWN-1", "OWN-2"):
            factories.add_sku(uow, code, product, price="10.00", cost="5.00")
    yield app


@pytest.fixture
def client(shop: App) -> Iterator[TestClient]:
    with TestClient(create_app(shop)) as c:
        assert c.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        yield c


def upload(*names: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, FILES[name], "application/octet-stream")) for name in names]


def wait_for_job(client: TestClient, panel: str) -> str:
    """Poll the job panel like the page's HTMX does, until it is no longer running."""
    job = re.search(r'data-job="(\w+)"', panel)
    assert job, panel
    for _ in range(300):
        if 'data-state="running"' not in panel:
            return panel
        time.sleep(0.1)
        response = client.get(f"/imports/jobs/{job.group(1)}", headers={"HX-Request": "true"})
        assert response.status_code == 200
        panel = response.text
    raise AssertionError("the import job did not finish")


def counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)" data-value="(\d+)"', html)}


def test_api_upload_history_and_report(client: TestClient, shop: App) -> None:
    first = client.post("/api/v1/imports", files=upload("订单明细-pdd.csv"),
                        data={"store": "pdd-1"})
    assert first.status_code == 201, first.text
    summary = first.json()
    assert set(summary) == SUMMARY_KEYS
    assert (summary["platform"], summary["encoding"]) == ("pdd", "utf-8")
    assert (summary["read"], summary["new"], summary["rejected"]) == (3, 2, 1)
    again = client.post("/api/v1/imports", files=upload("订单明细-pdd.csv"),
                        data={"store": "pdd-1"}).json()
    assert (again["new"], again["unchanged"], again["rejected"]) == (0, 2, 1)

    pair = client.post("/api/v1/imports", data={"store": "tm-1"}, files=upload(
        "ExportOrderList202611.csv", "ExportOrderDetailList202611.csv")).json()
    assert pair["platform"] == "taobao" and pair["new"] == 4 and pair["encoding"] == "gb18030"
    generic = client.post("/api/v1/imports", files=upload("own-store.csv"),
                          data={"store": "own-1", "mapping_json": GENERIC_MAPPING_JSON}).json()
    assert (generic["platform"], generic["new"]) == ("generic", 2)

    history = client.get("/api/v1/imports").json()
    assert history["total"] == 4
    assert history["items"][0]["import_id"] == generic["import_id"]
    assert client.get("/api/v1/imports", params={"store": "pdd-1"}).json()["total"] == 2

    report = client.get(f"/api/v1/imports/{summary['import_id']}/report").json()
    [problem] = report["problems"]
    assert problem["row"] == 4 and problem["column"] == "商家编码-规格维度"
    assert "PDD-SKU-3" in problem["reason"]
    xlsx = client.get(f"/api/v1/imports/{summary['import_id']}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(xlsx.content))["导入问题"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == (4, "商家编码-规格维度") and "PDD-SKU-3" in str(rows[1][3])
    assert client.get("/api/v1/imports/999999/report").status_code == 404
    with shop.reader() as uow:
        assert uow.session.scalar(select(func.count(Order.id))) == 8


def test_api_bad_files_change_nothing(client: TestClient, shop: App) -> None:
    bad = malformed_files()
    for name in ("zero-bytes.csv", "missing-column.csv", "undecodable.csv"):
        response = client.post("/api/v1/imports", data={"store": "pdd-1"},
                               files=[("files", (name, bad[name], "text/csv"))])
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "orders.import_file_invalid"
    no_store = client.post("/api/v1/imports", files=upload("订单明细-pdd.csv"))
    assert no_store.status_code == 422 and no_store.json()["field"] == "store"
    bad_mapping = client.post("/api/v1/imports", files=upload("own-store.csv"),
                              data={"store": "own-1", "mapping_json": "{not json"})
    assert bad_mapping.status_code == 422 and bad_mapping.json()["field"] == "mapping"
    with shop.reader() as uow:
        assert uow.session.scalar(select(func.count(ImportBatch.id))) == 0
        assert uow.session.scalar(select(func.count(Order.id))) == 0


def test_console_upload_progress_summary_and_report(client: TestClient) -> None:
    page = client.get("/imports")
    assert page.status_code == 200 and 'id="upload-form"' in page.text
    assert 'id="imports-empty"' in page.text
    started = client.post("/imports", data={"store": "pdd-1"}, files=upload("订单明细-pdd.csv"),
                          headers={"HX-Request": "true"})
    assert started.status_code == 200 and 'id="job"' in started.text
    panel = wait_for_job(client, started.text)
    assert 'data-state="done"' in panel
    assert 'id="detected-platform" data-value="pdd"' in panel
    assert 'id="detected-encoding" data-value="utf-8"' in panel
    assert counts(panel) == {"read": 3, "new": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    import_id = int(re.search(r'href="/imports/(\d+)"', panel).group(1))  # type: ignore[union-attr]

    history = client.get("/imports").text
    assert f'data-import-id="{import_id}"' in history
    report = client.get(f"/imports/{import_id}")
    assert report.status_code == 200
    assert '<tr data-row="4">' in report.text and "PDD-SKU-3" in report.text
    assert counts(report.text)["rejected"] == 1
    xlsx = client.get(f"/imports/{import_id}/report.xlsx")
    assert xlsx.headers["content-type"] == XLSX
    assert client.get("/imports/424242").status_code == 404

    # the 淘宝 pair without JavaScript: a redirect to the job's page, which shows the result
    plain = client.post("/imports", data={"store": "tm-1"}, follow_redirects=False, files=upload(
        "ExportOrderList202611.csv", "ExportOrderDetailList202611.csv"))
    assert plain.status_code == 303 and plain.headers["location"].startswith("/imports/jobs/")
    job_page = client.get(plain.headers["location"]).text
    done = wait_for_job(client, job_page[job_page.index('<section class="panel" id="job"'):])
    assert 'data-value="taobao"' in done and counts(done)["new"] == 4


def test_console_bad_upload_is_explained(client: TestClient, shop: App) -> None:
    nothing = client.post("/imports", data={"store": "pdd-1"}, headers={"HX-Request": "true"})
    assert nothing.status_code == 400 and 'data-field="files"' in nothing.text
    bad = malformed_files()["missing-column.csv"]
    started = client.post("/imports", data={"store": "pdd-1"}, headers={"HX-Request": "true"},
                          files=[("files", ("missing-column.csv", bad, "text/csv"))])
    panel = wait_for_job(client, started.text)
    assert 'data-state="failed"' in panel and "用户实付金额(元)" in panel, panel
    unknown_store = client.post("/imports", data={"store": "nope"},
                                headers={"HX-Request": "true"}, files=upload("订单明细-pdd.csv"))
    failed = wait_for_job(client, unknown_store.text)
    assert 'data-state="failed"' in failed and 'data-field="store"' in failed
    assert client.get("/imports/jobs/unknown").status_code == 404
    with shop.reader() as uow:
        assert uow.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_job_progress_percent() -> None:
    job = ImportJob("j", ["a.csv"])
    assert job.view().percent == 0
    job.progress("read", 2, 3)
    assert job.view().percent == 6
    job.progress("orders", 500, 1000)
    assert job.view().percent == 55
    job.finish(None, ShopOpsError("boom"))
    view = job.view()
    assert (view.state, view.percent, view.error) == ("failed", 100, job.error)
