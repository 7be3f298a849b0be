"""lead reviewers (phản biện) of proposals, recorded from the council's assignment

Revision ID: e3b3750f3b6e
Revises: b652bc9bd6c9
Create Date: 2026-11-23 15:56:40.102645

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b3750f3b6e'
down_revision = 'b652bc9bd6c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lead_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_lead_reviewers_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_lead_reviewers_council_id_councils'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['council_members.id'], name=op.f('fk_lead_reviewers_member_id_council_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_lead_reviewers_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_reviewers')),
    sa.UniqueConstraint('member_id', 'proposal_id', name=op.f('uq_lead_reviewers_member_id'))
    )
    with op.batch_alter_table('lead_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_reviewers_council_id'), ['council_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_reviewers_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_reviewers_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lead_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_reviewers_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_lead_reviewers_member_id'))
        batch_op.drop_index(batch_op.f('ix_lead_reviewers_council_id'))

    op.drop_table('lead_reviewers')
