"""Catalog API (商品): SKUs, products and categories, paginated."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shopops.catalog.service import get_sku, list_categories, list_products, list_skus
from shopops.web.deps import Paged, PageDep, ReaderDep

router = APIRouter(tags=["catalog 商品"])

CategoryParam = Annotated[str | None, Query(
    description="类目代码 category code (includes its sub-categories)")]


class SkuOut(BaseModel):
    sku: str = Field(description="SKU 代码")
    name: str
    product: str = Field(description="商品 (SPU) 代码")
    product_name: str
    category: str = Field(description="类目代码")
    category_name: str
    price: str = Field(description="标价 list price, yuan decimal string", examples=["129.00"])
    cost: str = Field(description="成本 cost, yuan decimal string", examples=["45.00"])
    attributes: dict[str, Any] = Field(description="规格属性 e.g. 颜色/尺码")
    listed_at: str | None = Field(description="上架时间 ISO 8601 (UTC)")
    active: bool


class CategoryOut(BaseModel):
    code: str
    name: str
    kind: str
    parent: str | None = Field(description="上级类目代码")


class ProductOut(BaseModel):
    product: str = Field(description="商品 (SPU) 代码")
    name: str
    category: str
    created_at: str = Field(description="ISO 8601 (UTC)")
    skus: int = Field(description="SKU 数")


@router.get("/skus", response_model=Paged[SkuOut])
def get_skus(
    uow: ReaderDep, page: PageDep, category: CategoryParam = None,
    q: Annotated[str | None, Query(description="搜索 code or name contains")] = None,
) -> dict[str, Any]:
    """SKU 列表 SKUs ordered by code, with list price and cost as decimal strings."""
    return list_skus(uow, page.page, page.page_size, category=category or None, q=q)


@router.get("/skus/{code}", response_model=SkuOut)
def get_one_sku(code: str, uow: ReaderDep) -> dict[str, Any]:
    """SKU 详情 one SKU by code (404 naming `sku`)."""
    return get_sku(uow, code)


@router.get("/categories", response_model=Paged[CategoryOut])
def get_categories(uow: ReaderDep, page: PageDep) -> dict[str, Any]:
    """类目列表 categories ordered by code, each with its parent's code."""
    return list_categories(uow, page.page, page.page_size)


@router.get("/products", response_model=Paged[ProductOut])
def get_products(uow: ReaderDep, page: PageDep, category: CategoryParam = None
                 ) -> dict[str, Any]:
    """商品列表 products (SPU) ordered by code, with their category and SKU count."""
    return list_products(uow, page.page, page.page_size, category=category or None)
