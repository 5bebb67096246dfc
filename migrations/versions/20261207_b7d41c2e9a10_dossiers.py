"""dossiers: the province's TTHC export, stored by the keyed hash of the dossier code

Revision ID: b7d41c2e9a10
Revises: 218e93887067
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a10'
down_revision = '218e93887067'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('dossier_hash', sa.String(length=64), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('procedure_code', sa.String(length=40), nullable=False),
    sa.Column('procedure_name', sa.String(length=300), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_day', sa.Date(), nullable=False),
    sa.Column('due_day', sa.Date(), nullable=False),
    sa.Column('returned_day', sa.Date(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_dossier_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_dossier_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier')),
    sa.UniqueConstraint('unit_id', 'dossier_hash', name=op.f('uq_dossier_unit_id_dossier_hash'))
    )
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_dossier_hash', ['dossier_hash'], unique=False)
        batch_op.create_index('ix_dossier_unit_id_due_day', ['unit_id', 'due_day'], unique=False)
        batch_op.create_index('ix_dossier_unit_id_received_day', ['unit_id', 'received_day'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_unit_id_received_day')
        batch_op.drop_index('ix_dossier_unit_id_due_day')
        batch_op.drop_index('ix_dossier_dossier_hash')

    op.drop_table('dossier')
