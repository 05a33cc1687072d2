"""location check-ins, call-back audits, audit kinds for limits, marks and locations

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 10:43:25.027427

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_KINDS = ('card', 'search', 'report', 'export', 'import', 'plan', 'training', 'role', 'access',
             'handover', 'invite', 'refused')
NEW_KINDS = OLD_KINDS + ('limit', 'verify', 'location')


def _audit_kinds(kinds: tuple[str, ...]) -> None:
    # the kind is a checked string: widening it means replacing the check (SQLite rebuilds the table)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_log_audit_kind'), type_='check')
        batch_op.create_check_constraint('audit_kind', sa.column('kind').in_(kinds))


# ---- reminder kinds: the weekly call-back checklist goes through the outbox -------------------
OLD_REMINDER_KINDS = ('morning', 'evening', 'meeting', 'summary')
NEW_REMINDER_KINDS = OLD_REMINDER_KINDS + ('callbacks',)


def _reminder_kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reminders_reminder_kind'), type_='check')
        batch_op.create_check_constraint('reminder_kind', sa.column('kind').in_(kinds))


def upgrade() -> None:
    op.create_table('callback_checks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('interaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('manager_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reviewer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('mark', sa.Enum('confirmed', 'not_happened', 'unreachable', name='callback_mark', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('marked_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_callback_checks_interaction_id_interactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_callback_checks_manager_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_callback_checks_marked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_callback_checks_reviewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_checks')),
    sa.UniqueConstraint('interaction_id', name='uq_callback_checks_interaction')
    )
    with op.batch_alter_table('callback_checks', schema=None) as batch_op:
        batch_op.create_index('ix_callback_checks_manager_week', ['manager_id', 'week_start'], unique=False)
        batch_op.create_index('ix_callback_checks_reviewer_mark', ['reviewer_id', 'mark'], unique=False)

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('location_source', sa.String(length=16), nullable=True))

    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('checkin_lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('checkin_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checkin_distance_m', sa.Float(), nullable=True))

    _audit_kinds(NEW_KINDS)
    _reminder_kinds(NEW_REMINDER_KINDS)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM reminders WHERE kind = 'callbacks'"))
    _reminder_kinds(OLD_REMINDER_KINDS)
    op.execute(sa.text("DELETE FROM audit_log WHERE kind IN ('limit', 'verify', 'location')"))
    _audit_kinds(OLD_KINDS)
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_column('checkin_distance_m')
        batch_op.drop_column('checkin_at')
        batch_op.drop_column('checkin_lon')
        batch_op.drop_column('checkin_lat')

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('location_source')
        batch_op.drop_column('lon')
        batch_op.drop_column('lat')

    with op.batch_alter_table('callback_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_checks_reviewer_mark')
        batch_op.drop_index('ix_callback_checks_manager_week')

    op.drop_table('callback_checks')
