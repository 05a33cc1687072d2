"""covering indexes for the reports: the manager's contacts by time with what the reports count

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 14:30:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# each replaces an index that is its prefix: as many indexes to keep up as before
COVER_HAPPENED = ['manager_id', 'status', 'happened_at', 'kind', 'outcome', 'amount_minor', 'refusal_reason_id']
COVER_LOGGED = ['manager_id', 'logged_at', 'status', 'happened_at']


def upgrade() -> None:
    op.create_index('ix_interactions_manager_status_happened_cover', 'interactions', COVER_HAPPENED, unique=False)
    op.drop_index('ix_interactions_manager_status_happened', table_name='interactions')
    op.create_index('ix_interactions_manager_logged_cover', 'interactions', COVER_LOGGED, unique=False)
    op.drop_index('ix_interactions_manager_logged', table_name='interactions')


def downgrade() -> None:
    op.create_index('ix_interactions_manager_logged', 'interactions', ['manager_id', 'logged_at'], unique=False)
    op.drop_index('ix_interactions_manager_logged_cover', table_name='interactions')
    op.create_index('ix_interactions_manager_status_happened', 'interactions', ['manager_id', 'status', 'happened_at'],
                    unique=False)
    op.drop_index('ix_interactions_manager_status_happened_cover', table_name='interactions')
