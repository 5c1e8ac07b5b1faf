"""ShopOps — e-commerce operations system (电商运营系统)."""

__version__ = "0.1.0"
