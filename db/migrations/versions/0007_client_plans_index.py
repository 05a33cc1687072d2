"""index the open plans of a client: logging a contact looks them up to close or move one

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 06:20:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_interactions_client_status_planned', 'interactions', ['client_id', 'status', 'planned_at'])


def downgrade() -> None:
    op.drop_index('ix_interactions_client_status_planned', table_name='interactions')
