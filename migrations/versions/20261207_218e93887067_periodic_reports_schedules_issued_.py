"""periodic reports: schedules, issued reports and their files, mail attachments

Revision ID: 218e93887067
Revises: 5c1e0f7a2b93
Create Date: 2026-12-07 11:22:26.537530

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '218e93887067'
down_revision = '5c1e0f7a2b93'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('report_schedule',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('due_day', sa.SmallInteger(), nullable=False),
    sa.Column('month_offset', sa.SmallInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_report_schedule_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_report_schedule'))
    )
    op.create_table('issued_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('period_first', sa.Date(), nullable=False),
    sa.Column('period_last', sa.Date(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_issued_report_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_issued_report_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_report')),
    sa.UniqueConstraint('unit_id', 'kind', 'period_first', 'revision', name=op.f('uq_issued_report_unit_id_kind_period_first_revision'))
    )
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.create_index('ix_issued_report_unit_id_issued_at', ['unit_id', 'issued_at'], unique=False)

    op.create_table('mail_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['mail_message.id'], name=op.f('fk_mail_attachment_message_id_mail_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachment'))
    )
    with op.batch_alter_table('mail_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_attachment_message_id'), ['message_id'], unique=False)

    op.create_table('issued_report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=5), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['issued_report.id'], name=op.f('fk_issued_report_file_report_id_issued_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_report_file')),
    sa.UniqueConstraint('report_id', 'format', name=op.f('uq_issued_report_file_report_id_format'))
    )



def downgrade():

    op.drop_table('issued_report_file')
    with op.batch_alter_table('mail_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_attachment_message_id'))

    op.drop_table('mail_attachment')
    with op.batch_alter_table('issued_report', schema=None) as batch_op:
        batch_op.drop_index('ix_issued_report_unit_id_issued_at')

    op.drop_table('issued_report')
    op.drop_table('report_schedule')

