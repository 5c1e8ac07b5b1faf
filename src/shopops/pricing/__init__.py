"""Pricing (定价): price floors, promotions and the promotion calendar (活动日历)."""
