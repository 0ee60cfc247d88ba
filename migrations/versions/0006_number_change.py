"""contact number changes, and the receiving number of a one-time code sent to a new number

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:15:00
"""

from alembic import op
import sqlalchemy as sa
import hotline.db.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('number_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('old_phone', sa.String(length=20), nullable=False),
    sa.Column('new_phone', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('requested_at', hotline.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', hotline.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_number_change_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_change'))
    )
    with op.batch_alter_table('number_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_number_change_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_number_change_open', ['person_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_to', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.drop_column('sent_to')

    with op.batch_alter_table('number_change', schema=None) as batch_op:
        batch_op.drop_index('uq_number_change_open', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_number_change_person_id'))

    op.drop_table('number_change')
