"""who claimed a reply to send it, and when: "sending" is interrupted only when that process has stopped

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:50:00

Every start (the window's, and every command's) took each reply in "sending" for one a crash had interrupted, and
marked it failed for the owner to check. But another process may be sending it right then: a team's other computer
on the shared database, or the window while a command such as ``socialinbox inbox`` starts. A claim now names its
process (``storage/claimant.py``): one of this computer that no longer runs left its reply interrupted, and any other
claim counts so once it is older than the longest attempt. Replies claimed before this revision have neither, and
count as interrupted as before.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_at')
