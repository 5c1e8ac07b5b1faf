"""投放: 2–4 paid campaigns per store with daily spend sized from the store's GMV, so the
store's GMV ÷ ad spend sits around 5–7 while campaign ROIs spread from ~1.5 to ~5."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopops.demo.data import AD_CAMPAIGNS, STORE_AD_RATIO, STORES
from shopops.demo.rows import yuan

Row = dict[str, Any]


def campaign_rows() -> list[Row]:
    rows: list[Row] = []
    for s, store in enumerate(STORES):
        for j, (channel, name, _roi, _cpc) in enumerate(AD_CAMPAIGNS[store.platform]):
            rows.append({"id": len(rows) + 1, "store_id": s + 1, "channel": channel,
                         "code": f"{store.code}-ad{j + 1}", "name": name})
    return rows


def spend_rows(rng: np.random.Generator, days: list[date],
               gmv_cents: NDArray[np.int64]) -> list[Row]:
    """Daily spend per campaign from the day's store GMV (day × store, in cents)."""
    rows: list[Row] = []
    campaign_id = 0
    for s, store in enumerate(STORES):
        specs = AD_CAMPAIGNS[store.platform]
        ratio = float(rng.uniform(*STORE_AD_RATIO))
        split = rng.dirichlet(np.full(len(specs), 4.0))
        budget = gmv_cents[:, s] / ratio  # store spend per day
        for j, (_channel, _name, roi, cpc) in enumerate(specs):
            campaign_id += 1
            spend = np.rint(budget * split[j] * rng.lognormal(0, 0.15, len(days))).astype(np.int64)
            gmv = np.rint(spend * roi * rng.lognormal(0, 0.2, len(days))).astype(np.int64)
            clicks = np.rint(spend / (cpc * 100 * rng.uniform(0.8, 1.2, len(days)))).astype(
                np.int64)
            impressions = np.rint(clicks / rng.uniform(0.015, 0.045, len(days))).astype(np.int64)
            rows.extend({"campaign_id": campaign_id, "day": days[d], "store_id": s + 1,
                         "spend": yuan(int(spend[d])), "impressions": int(impressions[d]),
                         "clicks": int(clicks[d]), "attributed_gmv": yuan(int(gmv[d]))}
                        for d in range(len(days)))
    return rows
