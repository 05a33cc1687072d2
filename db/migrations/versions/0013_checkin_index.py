"""a partial index on check-in times: whether check-ins are in use is asked of the few rows with one

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 14:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_interactions_manager_checkin', 'interactions', ['manager_id', 'checkin_at'], unique=False,
                    sqlite_where=sa.text('checkin_at IS NOT NULL'), postgresql_where=sa.text('checkin_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_interactions_manager_checkin', table_name='interactions')
