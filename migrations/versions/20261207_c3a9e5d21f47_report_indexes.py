"""the report's two indexes: petitions with every column the figures count (replacing
unit_id, received_at), and only the responses that gave a dossier code

A province's yearly report reads 100,000 petitions; from an index holding every column it
counts, the database never reads the rows (their texts), which halved the read on SQLite.
Its dossier section matches the responses that gave a dossier code: a partial index holds
just those, where the (unit_id, created_at) one made it read the year's million. The
columns are listed here, not imported: a migration stays what it was when written.

Revision ID: c3a9e5d21f47
Revises: b7d41c2e9a10
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a9e5d21f47'
down_revision = 'b7d41c2e9a10'
branch_labels = None
depends_on = None

COLUMNS = ["unit_id", "received_at", "closed_at", "kind", "channel", "category", "status",
           "archived_from", "on_time", "rating", "rated_at", "reply_due", "transfer_due",
           "paused_on", "id"]
CODED = sa.text("dossier_hash IS NOT NULL")


def upgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.create_index('ix_petition_counted', COLUMNS, unique=False)
        batch_op.drop_index('ix_petition_unit_id_received_at')
    op.create_index('ix_response_coded', 'response', ['unit_id', 'created_at'],
                    unique=False, sqlite_where=CODED, postgresql_where=CODED)


def downgrade():
    op.drop_index('ix_response_coded', table_name='response')
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.create_index('ix_petition_unit_id_received_at', ['unit_id', 'received_at'],
                              unique=False)
        batch_op.drop_index('ix_petition_counted')
