"""Orders API (订单): search the order book (business day, store, platform, status, order
number or buyer), one order in detail, and order imports (upload, history, report)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shopops.orders.browse import OrderQuery, search_orders
from shopops.orders.import_history import list_imports, report_sheets
from shopops.orders.import_jobs import import_now, job_view, recent_jobs
from shopops.orders.importers import ColumnMapping, ImportFileError
from shopops.orders.imports import import_report
from shopops.orders.models import ORDER_STATUSES
from shopops.orders.service import get_order, late_delivery
from shopops.stores.models import PLATFORMS
from shopops.web.deps import CoreDep, Paged, PageDep, ReaderDep
from shopops.web.excel import XLSX_MEDIA_TYPE, content_disposition, write_workbook

router = APIRouter(tags=["orders 订单"])

_AMOUNT = "yuan decimal string"


class OrderOut(BaseModel):
    id: int
    store: str = Field(description="店铺代码 store code")
    store_name: str | None = Field(None, description="店铺名称")
    platform: str | None = Field(None, json_schema_extra={"enum": list(PLATFORMS)})
    buyer: str | None = Field(None, description="买家 (the store's buyer id or name)")
    channel_order_no: str = Field(description="平台订单号")
    status: str = Field(json_schema_extra={"enum": list(ORDER_STATUSES)})
    customer_id: int | None
    created_at: str = Field(description="下单时间, ISO 8601 in the store's time zone")
    paid_at: str | None = Field(description="付款时间, ISO 8601 in the store's time zone",
                                examples=["2026-11-20T23:30:00+08:00"])
    paid_date: str | None = Field(description="付款日 business day (store's time zone)")
    goods_amount: str = Field(description="商品实付 " + _AMOUNT)
    shipping_fee: str = Field(description="运费 " + _AMOUNT)
    paid_amount: str = Field(description="实付金额 = goods_amount + shipping_fee")
    refund_amount: str = Field(description="退款金额 " + _AMOUNT)
    discount_amount: str = Field(description="优惠 " + _AMOUNT)
    list_amount: str = Field(description="标价合计 " + _AMOUNT)


class OrderLineOut(BaseModel):
    id: int
    sku: str
    sku_name: str
    quantity: int
    list_price: str = Field(description="单价 unit list price")
    discount_amount: str
    paid_amount: str
    refund_amount: str


class TimelineStep(BaseModel):
    step: str = Field(description="created | paid | shipped | delivered | completed | "
                                  "cancelled | refunded")
    at: str


class OrderDetail(OrderOut):
    lines: list[OrderLineOut]
    timeline: list[TimelineStep]


DateParam = Annotated[str | None, Query(description="付款日 YYYY-MM-DD, inclusive",
                                        json_schema_extra={"format": "date"})]


@router.get("/orders", response_model=Paged[OrderOut])
def get_orders(
    uow: ReaderDep, page: PageDep, paid_from: DateParam = None, paid_to: DateParam = None,
    store: Annotated[str | None, Query(description="店铺代码 store code")] = None,
    status: Annotated[str | None, Query(description="订单状态",
                                        json_schema_extra={"enum": list(ORDER_STATUSES)})
                      ] = None,
    platform: Annotated[str | None, Query(description="平台",
                                          json_schema_extra={"enum": list(PLATFORMS)})
                        ] = None,
    q: Annotated[str | None, Query(description="搜索: part of the channel order number "
                                               "(平台订单号) or of the buyer id / name")] = None,
) -> dict[str, Any]:
    """订单列表 orders, newest payment first. `paid_from`/`paid_to` filter on the business
    day of payment (付款日, the store's time zone), both inclusive."""
    query = OrderQuery(paid_from=paid_from or None, paid_to=paid_to or None,
                       store=store or None, platform=platform or None, status=status or None,
                       q=q or None)
    return search_orders(uow, query, page.page, page.page_size)


class LateDeliveryOut(BaseModel):
    delivered: int = Field(description="orders delivered with a known promised date")
    late: int = Field(description="of those, delivered on a later day than promised")
    late_share: str | None = Field(description="late ÷ delivered, 4 decimals (None: none)")


# declared before /orders/{order_id}, which would otherwise take the path
@router.get("/orders/late-delivery", response_model=LateDeliveryOut)
def get_late_delivery(uow: ReaderDep, store: Annotated[
        str | None, Query(description="店铺代码 store code")] = None) -> dict[str, Any]:
    """延迟送达占比: delivered orders that arrived after the promised day (店铺时区)."""
    return late_delivery(uow, store or None).as_json()


@router.get("/orders/{order_id}", response_model=OrderDetail)
def get_one_order(order_id: int, uow: ReaderDep) -> dict[str, Any]:
    """订单详情 one order with its lines (子订单) and the time of each step."""
    return get_order(uow, order_id)


# ---------------------------------------------------------------- imports 订单导入


class ImportSummaryOut(BaseModel):
    """The same keys as `shopops import orders --format json`."""

    platform: str = Field(description="detected (or given) platform")
    encoding: str | None = Field(description="detected text encoding (None for xlsx)")
    read: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    import_id: int


class ImportOut(ImportSummaryOut):
    store: str
    format: str
    file_name: str
    checksum: str = Field(description="sha256")
    size: int
    started_at: str
    finished_at: str


class ImportProblemOut(BaseModel):
    row: int | None = Field(description="1-based row in the file (header = 1)")
    column: str | None
    value: str | None
    reason: str
    file: str | None


class ImportReportOut(BaseModel):
    import_id: int
    platform: str
    encoding: str | None
    format: str
    file_name: str
    checksum: str
    size: int
    read: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    started_at: str
    finished_at: str
    problems: list[ImportProblemOut]


async def read_upload(upload: UploadFile) -> tuple[str, bytes]:
    return upload.filename or "upload", await upload.read()


async def read_mapping(upload: UploadFile | None, text: str | None) -> ColumnMapping | None:
    """The generic importer's column mapping: an uploaded JSON file or the JSON text."""
    if upload is not None and upload.filename:
        raw = await upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError("the column mapping is not UTF-8 text",
                                  field="mapping") from None
    return ColumnMapping.from_json(text) if text and text.strip() else None


@router.post("/imports", response_model=ImportSummaryOut, status_code=201,
             tags=["imports 订单导入"])
async def post_import(
    core: CoreDep,
    files: Annotated[list[UploadFile], File(description="export file(s); 淘宝/天猫: 订单报表 + "
                                                        "宝贝报表")],
    platform: Annotated[str | None, Form(description="taobao|tmall|jd|pdd|douyin|generic "
                                                     "(default: detect)")] = None,
    store: Annotated[str | None, Form(description="store code (needed unless only one)")
                     ] = None,
    mapping: Annotated[UploadFile | None, File(description="column mapping JSON file "
                                                           "(generic importer)")] = None,
    mapping_json: Annotated[str | None, Form(description="or the mapping as JSON text")
                            ] = None,
) -> dict[str, Any]:
    """订单导入: upload one platform export (two for 淘宝/天猫) and import it in one
    transaction; answers the summary (read / new / updated / unchanged / rejected)."""
    sources = [await read_upload(f) for f in files if f.filename]
    if not sources:
        raise ImportFileError("no file given", field="files")
    column_mapping = await read_mapping(mapping, mapping_json)

    def run() -> dict[str, Any]:  # blocking database work: off the event loop
        # a job: its row says the progress; follow-ups run after
        job = import_now(core.uow, sources, store or None, platform or None, column_mapping)
        return job.summary or {}

    return await run_in_threadpool(run)


class ImportJobOut(BaseModel):
    id: str = Field(description="导入任务 id")
    files: list[str]
    state: str = Field(json_schema_extra={"enum": ["running", "done", "failed", "interrupted"]})
    stage: str = Field(json_schema_extra={"enum": ["read", "orders", "followups"]})
    done: int
    total: int
    percent: int
    summary: dict[str, Any] | None = Field(description="the import's summary, once done")
    followups: dict[str, Any] | None = Field(
        description="导入后续: orders allocated / failed / waiting, shipments recorded")
    error: dict[str, Any] | None = Field(description="code, message, field when failed")


@router.get("/imports/jobs", response_model=list[ImportJobOut], tags=["imports 订单导入"])
def get_import_jobs(uow: ReaderDep, limit: Annotated[int, Query(ge=1, le=200)] = 20,
                    ) -> list[dict[str, Any]]:
    """导入任务: recent imports (console, CLI, API) with their state and progress."""
    return [job.as_json() for job in recent_jobs(uow, limit)]


@router.get("/imports/jobs/{job_id}", response_model=ImportJobOut, tags=["imports 订单导入"])
def get_import_job(job_id: str, uow: ReaderDep) -> dict[str, Any]:
    """导入任务: one import's state and progress, whichever process runs it."""
    return job_view(uow, job_id).as_json()


@router.get("/imports", response_model=Paged[ImportOut], tags=["imports 订单导入"])
def get_imports(uow: ReaderDep, page: PageDep,
                store: Annotated[str | None, Query(description="店铺代码 store code")] = None,
                ) -> dict[str, Any]:
    """导入记录: finished imports, newest first."""
    return list_imports(uow, page.page, page.page_size, store or None)


@router.get("/imports/{import_id}/report", response_model=ImportReportOut,
            tags=["imports 订单导入"])
def get_import_report(import_id: int, uow: ReaderDep) -> dict[str, Any]:
    """导入报告: the import's counts and every rejected row (row, column, value, reason)."""
    return import_report(uow, import_id)


@router.get("/imports/{import_id}/report.xlsx", tags=["imports 订单导入"],
            response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}},
                             "description": "the report as an Excel workbook"}})
def get_import_report_xlsx(import_id: int, uow: ReaderDep) -> Response:
    """导入报告 as Excel: sheet 导入问题 (row, column, value, reason, file) and 汇总."""
    _, sheets = report_sheets(uow, import_id)
    name = f"导入报告_{import_id}.xlsx"
    return Response(write_workbook(sheets), media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": content_disposition(name, f"import-{import_id}-report.xlsx")})
