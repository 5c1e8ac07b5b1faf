"""fulfillment: warehouse allocation (parcels + lines holding ledger reservations), shipments,
tracking events, logistics-exception handling; indexes for an order's facts (timeline) and orders by status (open orders)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('logistics_exception_handling',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('exception_key', sa.String(length=100), nullable=False),
        sa.Column('order_id', BIG_ID, nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('handled_by', sa.String(length=64), nullable=True),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('acknowledged', 'resolved')", name=op.f('ck_logistics_exception_handling_state_known')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_logistics_exception_handling_order_id_orders'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_logistics_exception_handling')),
        sa.UniqueConstraint('exception_key', name='uq_logistics_exception_handling_key')
    )
    op.create_index(op.f('ix_logistics_exception_handling_order_id'), 'logistics_exception_handling', ['order_id'], unique=False)
    op.create_table('order_allocations',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('order_id', BIG_ID, nullable=False),
        sa.Column('warehouse_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('province', sa.String(length=64), nullable=True),
        sa.Column('region', sa.String(length=16), nullable=True),
        sa.Column('reservation_ids', sa.JSON(), nullable=False),
        sa.Column('allocated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('reserved', 'shipped', 'released')", name=op.f('ck_order_allocations_status_known')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_allocations_order_id_orders'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_order_allocations_warehouse_id_warehouses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_allocations')),
        sa.UniqueConstraint('order_id', 'warehouse_id', name='uq_order_allocations_order_wh')
    )
    op.create_index('ix_order_allocations_status_wh', 'order_allocations', ['status', 'warehouse_id'], unique=False)
    op.create_table('order_allocation_lines',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('allocation_id', BIG_ID, nullable=False),
        sa.Column('sku_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_order_allocation_lines_quantity_positive')),
        sa.ForeignKeyConstraint(['allocation_id'], ['order_allocations.id'], name=op.f('fk_order_allocation_lines_allocation_id_order_allocations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sku_id'], ['skus.id'], name=op.f('fk_order_allocation_lines_sku_id_skus')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_allocation_lines'))
    )
    op.create_index(op.f('ix_order_allocation_lines_allocation_id'), 'order_allocation_lines', ['allocation_id'], unique=False)
    op.create_table('shipments',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('order_id', BIG_ID, nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('allocation_id', BIG_ID, nullable=True),
        sa.Column('warehouse_code', sa.String(length=32), nullable=True),
        sa.Column('carrier_code', sa.String(length=16), nullable=False),
        sa.Column('carrier_name', sa.String(length=32), nullable=False),
        sa.Column('tracking_no', sa.String(length=64), nullable=False),
        sa.Column('service', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('promised_by', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_event_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('shipped', 'in_transit', 'delivered', 'returned')", name=op.f('ck_shipments_status_known')),
        sa.ForeignKeyConstraint(['allocation_id'], ['order_allocations.id'], name=op.f('fk_shipments_allocation_id_order_allocations'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_shipments_order_id_orders'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_shipments_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
        sa.UniqueConstraint('carrier_code', 'tracking_no', name='uq_shipments_carrier_tracking')
    )
    op.create_index('ix_shipments_order', 'shipments', ['order_id'], unique=False)
    op.create_index('ix_shipments_status_shipped', 'shipments', ['status', 'shipped_at'], unique=False)
    op.create_index('ix_shipments_tracking_no', 'shipments', ['tracking_no'], unique=False)
    op.create_table('tracking_events',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('shipment_id', BIG_ID, nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=100), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('collected', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned')", name=op.f('ck_tracking_events_status_known')),
        sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_tracking_events_shipment_id_shipments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_events')),
        sa.UniqueConstraint('shipment_id', 'occurred_at', 'status', name='uq_tracking_events_shipment_at_status')
    )
    op.create_index('ix_facts_entity_occurred', 'facts', ['entity', 'entity_id', 'occurred_at'], unique=False)
    op.create_index('ix_orders_status_paid', 'orders', ['status', 'paid_at'], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_status_paid", table_name="orders")
    op.drop_index("ix_facts_entity_occurred", table_name="facts")
    op.drop_table("tracking_events")
    op.drop_index("ix_shipments_tracking_no", table_name="shipments")
    op.drop_index("ix_shipments_status_shipped", table_name="shipments")
    op.drop_index("ix_shipments_order", table_name="shipments")
    op.drop_table("shipments")
    op.drop_index(op.f("ix_order_allocation_lines_allocation_id"),
                  table_name="order_allocation_lines")
    op.drop_table("order_allocation_lines")
    op.drop_index("ix_order_allocations_status_wh", table_name="order_allocations")
    op.drop_table("order_allocations")
    op.drop_index(op.f("ix_logistics_exception_handling_order_id"),
                  table_name="logistics_exception_handling")
    op.drop_table("logistics_exception_handling")
