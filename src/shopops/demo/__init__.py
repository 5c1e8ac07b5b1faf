"""The synthetic demo shop (演示店铺): a deterministic, believable multi-channel shop."""
