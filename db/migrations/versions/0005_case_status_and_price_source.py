"""case status details (why, which process) and the price source a case is valued with

Revision ID: 0005
Revises: 0004
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add cases.status_reason, cases.runner, cases.price_source_json."""
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('status_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('runner', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('price_source_json', sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('price_source_json')
        batch.drop_column('runner')
        batch.drop_column('status_reason')
