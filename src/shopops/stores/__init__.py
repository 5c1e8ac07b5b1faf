"""Stores (店铺 / 渠道): the channel accounts the merchant sells through."""
