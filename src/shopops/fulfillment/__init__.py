"""Fulfillment (履约): ship SLA, shipments, tracking events, logistics exceptions."""
