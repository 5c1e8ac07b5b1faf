"""Catalog read side (商品/规格/类目): list and look up SKUs, products and categories."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select

from shopops.catalog.models import Category, Product, Sku
from shopops.core.batches import chunks
from shopops.core.errors import NotFound
from shopops.core.uow import UnitOfWork


def _money(value: Any) -> str:
    return f"{value:.2f}"


def _paged(items: list[dict[str, Any]], total: int | None, page: int, page_size: int
           ) -> dict[str, Any]:
    return {"items": items, "page": page, "page_size": page_size, "total": int(total or 0)}


def _category_id(uow: UnitOfWork, code: str) -> int:
    category_id = uow.session.scalar(select(Category.id).where(Category.code == code))
    if category_id is None:
        raise NotFound(f"没有类目 {code!r} — unknown category {code!r}", field="category")
    return category_id


def category_tree(uow: UnitOfWork, code: str) -> set[int]:
    """The ids of a category and every category below it."""
    root = _category_id(uow, code)
    parents = dict(uow.session.execute(select(Category.id, Category.parent_id)).all())
    found, frontier = {root}, [root]
    while frontier:
        node = frontier.pop()
        children = [c for c, p in parents.items() if p == node and c not in found]
        found.update(children)
        frontier.extend(children)
    return found


def _sku_rows() -> Select[Sku, Product, Category]:
    return (select(Sku, Product, Category)
            .join(Product, Product.id == Sku.product_id)
            .join(Category, Category.id == Product.category_id))


def _sku_json(sku: Sku, product: Product, category: Category) -> dict[str, Any]:
    return {
        "sku": sku.code, "name": sku.name,
        "product": product.code, "product_name": product.name,
        "category": category.code, "category_name": category.name,
        "price": _money(sku.price), "cost": _money(sku.cost),
        "attributes": dict(sku.attributes or {}),
        "listed_at": sku.listed_at.isoformat() if sku.listed_at else None,
        "active": sku.active,
    }


def _sku_filters(uow: UnitOfWork, category: str | None, q: str | None) -> list[Any]:
    conditions: list[Any] = []
    if category:
        conditions.append(Product.category_id.in_(category_tree(uow, category)))
    if q and q.strip():
        pattern = f"%{q.strip().lower()}%"
        conditions.append(or_(func.lower(Sku.code).like(pattern),
                              func.lower(Sku.name).like(pattern),
                              func.lower(Product.name).like(pattern)))
    return conditions


def list_skus(uow: UnitOfWork, page: int, page_size: int, *, category: str | None = None,
              q: str | None = None) -> dict[str, Any]:
    """A page of SKUs (with product and category) ordered by code, and the total matching."""
    where = _sku_filters(uow, category, q)
    total = uow.session.scalar(select(func.count(Sku.id)).select_from(Sku)
                               .join(Product, Product.id == Sku.product_id).where(*where))
    rows = uow.session.execute(_sku_rows().where(*where).order_by(Sku.code)
                               .offset((page - 1) * page_size).limit(page_size)).all()
    return _paged([_sku_json(*row) for row in rows], total, page, page_size)


def get_sku(uow: UnitOfWork, code: str) -> dict[str, Any]:
    row = uow.session.execute(_sku_rows().where(Sku.code == code)).first()
    if row is None:
        raise NotFound(f"没有 SKU {code!r} — unknown SKU {code!r}", field="sku")
    return _sku_json(*row)


def sku_prices(uow: UnitOfWork, codes: Iterable[str]) -> dict[str, tuple[Decimal, str]]:
    """code → (list price, category code) for many SKUs in one query (unknown codes are left
    out): what a price quote needs of each cart line."""
    wanted = set(codes)
    if not wanted:
        return {}
    rows = uow.session.execute(
        select(Sku.code, Sku.price, Category.code)
        .join(Product, Product.id == Sku.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(Sku.code.in_(wanted)))
    return {code: (price, category) for code, price, category in rows}


def category_parents(uow: UnitOfWork) -> dict[str, str | None]:
    """Every category's code → its parent's code (None at the top), in one query."""
    rows = uow.session.execute(select(Category.id, Category.code, Category.parent_id)).all()
    codes = {row.id: row.code for row in rows}
    return {row.code: codes.get(row.parent_id) if row.parent_id is not None else None
            for row in rows}


def sku_codes(uow: UnitOfWork, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """id → (code, name) for the given SKUs (other domains show SKU codes, not ids)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = uow.session.execute(select(Sku.id, Sku.code, Sku.name).where(Sku.id.in_(wanted)))
    return {sku_id: (code, name) for sku_id, code, name in rows}


def list_categories(uow: UnitOfWork, page: int, page_size: int) -> dict[str, Any]:
    """A page of categories ordered by code, each with its parent's code."""
    codes = dict(uow.session.execute(select(Category.id, Category.code)).all())
    total = uow.session.scalar(select(func.count()).select_from(Category))
    rows = uow.session.scalars(select(Category).order_by(Category.code)
                               .offset((page - 1) * page_size).limit(page_size))
    items = [{"code": c.code, "name": c.name, "kind": c.kind,
              "parent": codes.get(c.parent_id) if c.parent_id is not None else None}
             for c in rows]
    return _paged(items, total, page, page_size)


def list_products(uow: UnitOfWork, page: int, page_size: int, *, category: str | None = None
                  ) -> dict[str, Any]:
    """A page of products (SPU) ordered by code, with their category and SKU count."""
    where = [Product.category_id.in_(category_tree(uow, category))] if category else []
    total = uow.session.scalar(select(func.count()).select_from(Product).where(*where))
    sku_count = (select(func.count()).where(Sku.product_id == Product.id)
                 .correlate(Product).scalar_subquery())
    rows = uow.session.execute(
        select(Product, Category.code, sku_count)
        .join(Category, Category.id == Product.category_id).where(*where)
        .order_by(Product.code).offset((page - 1) * page_size).limit(page_size)).all()
    items = [{"product": p.code, "name": p.name, "category": category_code,
              "created_at": p.created_at.isoformat(), "skus": int(count)}
             for p, category_code, count in rows]
    return _paged(items, total, page, page_size)


def sku_ids(uow: UnitOfWork, codes: Iterable[str]) -> dict[str, int]:
    """code → id for the SKU codes that exist (imports and the ledger name SKUs by code)."""
    known: dict[str, int] = {}
    for chunk in chunks(sorted(set(codes))):
        rows = uow.session.execute(select(Sku.code, Sku.id).where(Sku.code.in_(chunk)))
        known.update({code: sku_id for code, sku_id in rows})
    return known


def sku_id(uow: UnitOfWork, code: object, field: str = "sku") -> int:
    """The id of one SKU code; an unknown code is an error naming the field."""
    found = uow.session.scalar(select(Sku.id).where(Sku.code == code))
    if found is None:
        raise NotFound(f"没有 SKU {code!r} — unknown SKU {code!r}", field=field)
    return int(found)
