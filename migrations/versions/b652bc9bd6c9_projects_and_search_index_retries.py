"""projects, and the queue of search index updates to retry

Revision ID: b652bc9bd6c9
Revises: eaf6c9b72452
Create Date: 2026-11-24 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b652bc9bd6c9'
down_revision = 'eaf6c9b72452'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('pi_id', sa.Integer(), nullable=True),
    sa.Column('pi_name', sa.String(length=200), nullable=False),
    sa.Column('team', sa.JSON(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('field_code', sa.String(length=8), nullable=True),
    sa.Column('priority_area', sa.String(length=40), nullable=True),
    sa.Column('start_year', sa.Integer(), nullable=True),
    sa.Column('end_year', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('in_progress', 'completed', 'in_application', 'terminated', name='project_status'), nullable=False),
    sa.Column('budget', sa.BigInteger(), nullable=True),
    sa.Column('products', sa.Text(), nullable=False),
    sa.Column('ip', sa.Text(), nullable=False),
    sa.Column('applied_at', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_projects_institution_id_institutions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['research_orders.id'], name=op.f('fk_projects_order_id_research_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pi_id'], ['users.id'], name=op.f('fk_projects_pi_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('order_id', name=op.f('uq_projects_order_id'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_pi_id'), ['pi_id'], unique=False)

    op.create_table('search_index_retries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_index_retries')),
    sa.UniqueConstraint('kind', 'record_id', name=op.f('uq_search_index_retries_kind'))
    )


def downgrade():
    op.drop_table('search_index_retries')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_pi_id'))
        batch_op.drop_index(batch_op.f('ix_projects_institution_id'))

    op.drop_table('projects')
    sa.Enum(name='project_status').drop(op.get_bind(), checkfirst=True)
