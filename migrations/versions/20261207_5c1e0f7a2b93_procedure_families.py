"""procedure families: each (code, name) of the units' procedures, and their counts in the
tally under every unit above the procedure's, derived here from the counts already folded;
and today's block: the state's folded_until

Revision ID: 5c1e0f7a2b93
Revises: 9644fda9ddb2
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5c1e0f7a2b93'
down_revision = '9644fda9ddb2'
branch_labels = None
depends_on = None

# The same cells feedback.reports.cells.families derives, in one statement: every folded
# procedure cell, under every unit above its own, keyed by -family id.
_FAMILY_CELLS = """
WITH RECURSIVE above(unit_id, ancestor) AS (
    SELECT id, parent_id FROM unit WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT above.unit_id, unit.parent_id FROM above JOIN unit ON unit.id = above.ancestor
    WHERE unit.parent_id IS NOT NULL
)
INSERT INTO tally (span, start, unit_id, counter_id, procedure_id, channel, questionnaire,
                   version, item, value, n)
SELECT t.span, t.start, above.ancestor, 0, -f.id, '', '', 0, t.item, t.value, sum(t.n)
FROM tally t
JOIN above ON above.unit_id = t.unit_id
JOIN procedure p ON p.id = t.procedure_id
JOIN procedure_family f ON f.code = p.code AND f.name = p.name
WHERE t.counter_id = 0 AND t.procedure_id > 0 AND t.channel = '' AND t.questionnaire = ''
GROUP BY t.span, t.start, above.ancestor, f.id, t.item, t.value
"""


def upgrade():
    op.create_table('procedure_family',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_family')),
    sa.UniqueConstraint('code', 'name', name=op.f('uq_procedure_family_code_name'))
    )
    op.execute("INSERT INTO procedure_family (code, name) "
               "SELECT DISTINCT code, name FROM procedure")
    op.execute(_FAMILY_CELLS)
    with op.batch_alter_table('tally_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('folded_until', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('tally_state', schema=None) as batch_op:
        batch_op.drop_column('folded_until')
    op.execute("DELETE FROM tally WHERE span = 'd'")
    op.execute("DELETE FROM tally WHERE procedure_id < 0")
    op.drop_table('procedure_family')
