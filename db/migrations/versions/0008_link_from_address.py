"""links.from_address: the address that paid into the service or protocol (the export's link rows name both ends)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:55:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_address', sa.String(length=128), nullable=False, server_default=''))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_column('from_address')
