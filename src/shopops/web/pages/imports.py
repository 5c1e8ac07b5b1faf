"""订单导入 console pages: upload one export (two for 淘宝/天猫) with an optional platform,
store and column mapping; the import runs in the background (`orders.import_jobs`) and the
page polls its progress with HTMX until the summary (detected platform and encoding, read /
new / updated / unchanged / rejected) shows; the history of past imports; each import's
report with its rejected rows (row, column, reason), downloadable as xlsx."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from shopops.core.errors import ShopOpsError
from shopops.orders.import_history import list_imports, report_sheets
from shopops.orders.import_jobs import ImportJobs, JobView
from shopops.orders.importers import PLATFORMS, ColumnMapping, ImportFileError
from shopops.stores.service import list_stores
from shopops.web.i18n import Translator
from shopops.web.page import (
    NavItem,
    core,
    current_lang,
    error_message,
    error_status,
    render,
    signed_in,
    to_login,
    xlsx_response,
)

NAV = [NavItem("imports", "/imports", "nav.imports", 25)]
PAGE_SIZE = 20
SHOWN_PROBLEMS = 1_000  # rows on the page; the xlsx has them all
MAX_UPLOAD = 200 * 1024 * 1024  # bytes per file; a platform's monthly export fits easily


def _jobs(request: Request) -> ImportJobs:
    jobs: ImportJobs = request.app.state.import_jobs
    return jobs


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _context(request: Request, user: Any, lang: str, **extra: Any) -> dict[str, Any]:
    page = _page_number(request)
    with core(request).reader() as uow:
        stores = list_stores(uow)
        history = list_imports(uow, page, PAGE_SIZE)
    pages = max(1, -(-history["total"] // PAGE_SIZE))
    return {"user": user, "active": "imports", "lang": lang, "stores": stores,
            "platforms": list(PLATFORMS), "history": history, "page": page, "pages": pages,
            "job": None, "error": None, "form": {}, **extra}


async def imports_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    return render(request, "imports/index.html", _context(request, user, lang))


async def _upload(form: Any) -> tuple[list[tuple[str, bytes]], ColumnMapping | None]:
    files: list[tuple[str, bytes]] = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            data = await item.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise ImportFileError(f"{item.filename} is larger than "
                                      f"{MAX_UPLOAD // 1024 // 1024} MB", field="files")
            files.append((item.filename, data))
    if not files:
        raise ImportFileError("choose the export file(s) to import", field="files")
    if len(files) > 2:
        raise ImportFileError("最多两个文件（淘宝/天猫：订单报表 + 宝贝报表） — at most two files",
                              field="files")
    text = form.get("mapping_json") or ""
    upload = form.get("mapping")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            text = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError("the column mapping is not UTF-8 text",
                                  field="mapping") from None
    mapping = ColumnMapping.from_json(text) if isinstance(text, str) and text.strip() else None
    return files, mapping


async def start_import(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    form = await request.form()
    choice = {k: str(form.get(k) or "").strip() for k in ("store", "platform")}
    try:
        files, mapping = await _upload(form)
    except ShopOpsError as exc:
        error = error_message(Translator(lang), exc)
        if request.headers.get("HX-Request"):  # into the job slot, not a whole page
            return render(request, "imports/upload_error.html", {"lang": lang, "error": error},
                          status=error_status(exc))
        context = _context(request, user, lang, form=choice, error=error)
        return render(request, "imports/index.html", context, status=error_status(exc))
    job = _jobs(request).start(core(request).uow, files, choice["store"] or None,
                               choice["platform"] or None, mapping)
    if request.headers.get("HX-Request"):
        return _job_panel(request, job, lang)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


def _job_context(job: JobView, lang: str) -> dict[str, Any]:
    error = error_message(Translator(lang), job.error) if job.error else None
    return {"job": job, "job_error": error}


def _job_panel(request: Request, job: JobView, lang: str) -> Response:
    return render(request, "imports/job.html", {"lang": lang, **_job_context(job, lang)})


async def job_status(request: Request, job_id: str) -> Response:
    """The job's panel (HTMX polls it), or the import page around it."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    job = _jobs(request).get(job_id, core(request).reader)  # another worker's: its row
    if job is None:
        exc = ShopOpsError(f"no running import {job_id} (the server may have restarted; "
                           "finished imports are in the history below)", field="job_id")
        context = _context(request, user, lang, error=error_message(Translator(lang), exc))
        return render(request, "imports/index.html", context, status=404)
    if request.headers.get("HX-Request"):
        return _job_panel(request, job, lang)
    context = _context(request, user, lang, **_job_context(job, lang))
    return render(request, "imports/index.html", context)


async def import_detail(request: Request, import_id: int) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    try:
        with core(request).reader() as uow:
            report, _ = report_sheets(uow, import_id)
    except ShopOpsError as exc:
        return render(request, "imports/report.html",
                      {"user": user, "active": "imports", "lang": lang, "report": None,
                       "error": error_message(Translator(lang), exc)},
                      status=error_status(exc))
    return render(request, "imports/report.html",
                  {"user": user, "active": "imports", "lang": lang, "report": report,
                   "problems": report["problems"][:SHOWN_PROBLEMS],
                   "hidden": max(0, len(report["problems"]) - SHOWN_PROBLEMS), "error": None})


async def import_report_xlsx(request: Request, import_id: int) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    try:
        with core(request).reader() as uow:
            _, sheets = report_sheets(uow, import_id)
    except ShopOpsError:
        return await import_detail(request, import_id)
    return xlsx_response(sheets, f"{t('imports.report_name')}_{import_id}.xlsx",
                         f"import-{import_id}-report.xlsx")


def mount(api: FastAPI) -> None:
    api.state.import_jobs = ImportJobs()
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/imports", imports_page, methods=["GET"], **html)
    api.add_api_route("/imports", start_import, methods=["POST"], **html)
    api.add_api_route("/imports/jobs/{job_id}", job_status, methods=["GET"], **html)
    api.add_api_route("/imports/{import_id:int}", import_detail, methods=["GET"], **html)
    api.add_api_route("/imports/{import_id:int}/report.xlsx", import_report_xlsx,
                      methods=["GET"], **html)
