"""frontier per node: one meaning for its key

Revision ID: 0002
Revises: 0001

The frontier was written by two paths with different keys: the engine's repository (one row per node, asset and
origin holding a ``*`` marker, priority and expansion count in ``state_json``) and a store API keyed by
(node, asset, origin) with amounts that only tests used. Now it is one row per (case, chain, address) with the
priority and expansion count as columns; the amounts live in the trace edges. Rows of the old per-asset API are
dropped (nothing traced wrote them); the engine's rows are kept.
"""
import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from db.types import BigAmount

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NODE_MARKER = "*"


def upgrade() -> None:
    """Rebuild ``frontier`` keyed by node, carrying the engine's rows over."""
    conn = op.get_bind()
    old = sa.table('frontier', sa.column('case_id'), sa.column('chain'), sa.column('address'), sa.column('asset'),
                   sa.column('origin'), sa.column('hop'), sa.column('state_json'), sa.column('done'))
    rows = []
    for r in conn.execute(sa.select(old).where(old.c.asset == NODE_MARKER, old.c.origin == NODE_MARKER)):
        state = json.loads(r.state_json or "{}")
        rows.append({"case_id": r.case_id, "chain": r.chain, "address": r.address, "hop": r.hop,
                     "priority": float(state.get("priority", 0.0)), "expansions": int(state.get("expansions", 0)),
                     "done": bool(r.done)})
    with op.batch_alter_table('frontier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frontier_case_id'))
    op.drop_table('frontier')
    table = op.create_table(
        'frontier',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('chain', sa.String(length=20), nullable=False),
        sa.Column('address', sa.String(length=128), nullable=False),
        sa.Column('hop', sa.Integer(), nullable=False),
        sa.Column('priority', sa.Float(), nullable=False),
        sa.Column('expansions', sa.Integer(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_frontier_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_frontier')),
        sa.UniqueConstraint('case_id', 'chain', 'address', name=op.f('uq_frontier_case_id_chain_address')),
    )
    with op.batch_alter_table('frontier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frontier_case_id'), ['case_id'], unique=False)
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    """Back to the (node, asset, origin) key with the node marker and ``state_json``."""
    conn = op.get_bind()
    new = sa.table('frontier', sa.column('case_id'), sa.column('chain'), sa.column('address'), sa.column('hop'),
                   sa.column('priority'), sa.column('expansions'), sa.column('done'))
    rows = [{"case_id": r.case_id, "chain": r.chain, "address": r.address, "asset": NODE_MARKER,
             "origin": NODE_MARKER, "tainted_amount": 0, "hop": r.hop, "done": bool(r.done),
             "state_json": json.dumps({"priority": r.priority, "expansions": r.expansions}, sort_keys=True)}
            for r in conn.execute(sa.select(new))]
    with op.batch_alter_table('frontier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frontier_case_id'))
    op.drop_table('frontier')
    table = op.create_table(
        'frontier',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('chain', sa.String(length=20), nullable=False),
        sa.Column('address', sa.String(length=128), nullable=False),
        sa.Column('asset', sa.String(length=200), nullable=False),
        sa.Column('origin', sa.String(length=200), nullable=False),
        sa.Column('tainted_amount', BigAmount(), nullable=False),
        sa.Column('hop', sa.Integer(), nullable=False),
        sa.Column('state_json', sa.Text(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_frontier_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_frontier')),
        sa.UniqueConstraint('case_id', 'chain', 'address', 'asset', 'origin',
                            name=op.f('uq_frontier_case_id_chain_address_asset_origin')),
    )
    with op.batch_alter_table('frontier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frontier_case_id'), ['case_id'], unique=False)
    if rows:
        op.bulk_insert(table, rows)
