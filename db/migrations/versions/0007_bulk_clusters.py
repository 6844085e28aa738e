"""bulk clusters and mixer links: results of ``tracer bulk cluster`` / ``tracer bulk mixers`` in the store

Revision ID: 0007
Revises: 0001
Create Date: 2026-12-02 12:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('bulk_clusters',
    sa.Column('chain', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('cluster', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('chain', 'address', name=op.f('pk_bulk_clusters'))
    )
    with op.batch_alter_table('bulk_clusters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_clusters_cluster'), ['cluster'], unique=False)
    op.create_table('bulk_cluster_merges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('chain', sa.String(length=20), nullable=False),
    sa.Column('cluster', sa.String(length=120), nullable=False),
    sa.Column('a', sa.String(length=120), nullable=False),
    sa.Column('b', sa.String(length=120), nullable=False),
    sa.Column('heuristic', sa.String(length=20), nullable=False),
    sa.Column('tx_hash', sa.String(length=80), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_cluster_merges'))
    )
    with op.batch_alter_table('bulk_cluster_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_cluster_merges_cluster'), ['cluster'], unique=False)
    op.create_table('bulk_mixer_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('chain', sa.String(length=20), nullable=False),
    sa.Column('pool', sa.String(length=120), nullable=False),
    sa.Column('deposit_tx', sa.String(length=80), nullable=False),
    sa.Column('deposit_block', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('deposit_time', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('depositor', sa.String(length=120), nullable=True),
    sa.Column('withdrawal_tx', sa.String(length=80), nullable=False),
    sa.Column('withdrawal_block', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('withdrawal_time', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('relayer', sa.String(length=120), nullable=True),
    sa.Column('fee', sa.String(length=80), nullable=False),
    sa.Column('heuristics', sa.String(length=200), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('evidence_class', sa.String(length=2), nullable=False),
    sa.Column('rule', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_mixer_links'))
    )
    with op.batch_alter_table('bulk_mixer_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_mixer_links_deposit_tx'), ['deposit_tx'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('bulk_mixer_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_mixer_links_deposit_tx'))
    op.drop_table('bulk_mixer_links')
    with op.batch_alter_table('bulk_cluster_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_cluster_merges_cluster'))
    op.drop_table('bulk_cluster_merges')
    with op.batch_alter_table('bulk_clusters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_clusters_cluster'))
    op.drop_table('bulk_clusters')
