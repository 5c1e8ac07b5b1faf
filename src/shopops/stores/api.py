"""Stores API (店铺): list, add and look up channel accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field

from shopops.bootstrap import App
from shopops.stores.models import PLATFORMS
from shopops.stores.service import add_store, get_store, list_stores
from shopops.web.deps import ReaderDep, get_core

router = APIRouter(tags=["stores 店铺"])


class StoreOut(BaseModel):
    id: int
    code: str
    platform: str
    name: str
    timezone: str
    commission_rate: str = Field(description="平台佣金率, a fraction as a decimal string")


class StoreIn(BaseModel):
    code: str = Field(description="店铺代码: 1–32 letters, digits, - or _",
                      examples=["tmall-flagship"])
    platform: str = Field(description="平台 " + " | ".join(PLATFORMS),
                          json_schema_extra={"enum": list(PLATFORMS)})
    name: str | None = Field(default=None, description="店铺名称 (default: platform + code)")
    timezone: str = Field(default="Asia/Shanghai", description="店铺时区 IANA time zone")
    commission: str | None = Field(
        default=None, description="平台佣金率 as a decimal string, e.g. \"0.05\" "
                                  "(default: the platform's usual rate)", examples=["0.05"])


@router.get("/stores", response_model=list[StoreOut])
def get_stores(uow: ReaderDep) -> list[dict[str, Any]]:
    """店铺列表 every store (channel account), in the order they were added."""
    return [store.as_json() for store in list_stores(uow)]


@router.post("/stores", response_model=StoreOut, status_code=201)
def post_store(body: Annotated[StoreIn, Body()], core: Annotated[App, Depends(get_core)]
               ) -> dict[str, Any]:
    """添加店铺 add a store. Errors name the field (`code`, `platform`, `timezone`,
    `commission`); an existing code is a 409 `stores.store_exists`."""
    with core.uow() as uow:
        store = add_store(uow, body.code.strip(), body.platform.strip(), name=body.name,
                          timezone=body.timezone.strip(), commission=body.commission)
    return store.as_json()


@router.get("/stores/{code}", response_model=StoreOut)
def get_one_store(code: str, uow: ReaderDep) -> dict[str, Any]:
    """店铺详情 one store by code (404 `stores.unknown_store`)."""
    return get_store(uow, code).as_json()
