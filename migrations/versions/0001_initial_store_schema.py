"""initial store schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('commission_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('cpa_amounts', sa.JSON(), nullable=False),
    sa.Column('ftd_baseline', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('revshare_pct', sa.Numeric(precision=9, scale=4), nullable=False),
    sa.Column('volume_tiers', sa.JSON(), nullable=False),
    sa.Column('subpartner_override_pct', sa.JSON(), nullable=False),
    sa.Column('hold_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type IN ('cpa','revshare','hybrid')", name=op.f('ck_commission_plans_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_plans')),
    sa.UniqueConstraint('name', name=op.f('uq_commission_plans_name'))
    )
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('vertical', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('landing_urls', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tiers_allowed', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active','paused','archived')", name=op.f('ck_offers_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    op.create_table('program_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('logo_path', sa.String(length=500), nullable=True),
    sa.Column('primary_color', sa.String(length=9), nullable=False),
    sa.Column('accent_color', sa.String(length=9), nullable=False),
    sa.Column('base_currency', sa.String(length=3), nullable=False),
    sa.Column('tracking_domain', sa.String(length=255), nullable=False),
    sa.Column('default_locale', sa.String(length=5), nullable=False),
    sa.Column('default_timezone', sa.String(length=64), nullable=False),
    sa.Column('support_email', sa.String(length=255), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_settings'))
    )
    op.create_table('tiers',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('visible_metrics', sa.JSON(), nullable=False),
    sa.Column('subpartner_depth', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_tiers'))
    )
    op.create_table('creatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('file_path', sa.String(length=500), nullable=False),
    sa.Column('mime_type', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_creatives_offer_id_offers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creatives'))
    )
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tier_code', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('manager_user_id', sa.Integer(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('payout_method', sa.String(length=32), nullable=True),
    sa.Column('payout_details', sa.JSON(), nullable=False),
    sa.Column('notification_prefs', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active','paused','blocked')", name=op.f('ck_partners_status')),
    sa.ForeignKeyConstraint(['parent_id'], ['partners.id'], name=op.f('fk_partners_parent_id_partners')),
    sa.ForeignKeyConstraint(['plan_id'], ['commission_plans.id'], name=op.f('fk_partners_plan_id_commission_plans')),
    sa.ForeignKeyConstraint(['tier_code'], ['tiers.code'], name=op.f('fk_partners_tier_code_tiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index('ix_partners_manager_user_id', ['manager_user_id'], unique=False)
        batch_op.create_index('ix_partners_parent_id', ['parent_id'], unique=False)

    op.create_table('promo_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_promo_codes_offer_id_offers')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_promo_codes_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promo_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_promo_codes_code'))
    )
    with op.batch_alter_table('promo_codes', schema=None) as batch_op:
        batch_op.create_index('ix_promo_codes_partner_id', ['partner_id'], unique=False)

    op.create_table('tracking_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('landing_url', sa.String(length=1000), nullable=False),
    sa.Column('sub1', sa.String(length=255), nullable=True),
    sa.Column('sub2', sa.String(length=255), nullable=True),
    sa.Column('sub3', sa.String(length=255), nullable=True),
    sa.Column('sub4', sa.String(length=255), nullable=True),
    sa.Column('sub5', sa.String(length=255), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_tracking_links_offer_id_offers')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_tracking_links_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_links')),
    sa.UniqueConstraint('token', name=op.f('uq_tracking_links_token'))
    )
    with op.batch_alter_table('tracking_links', schema=None) as batch_op:
        batch_op.create_index('ix_tracking_links_partner_id', ['partner_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('partner','manager','admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_users_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    # partners.manager_user_id -> users.id closes the partners/users cycle, so it is added once both exist
    with op.batch_alter_table('partners') as batch_op:
        batch_op.create_foreign_key('fk_partners_manager_user_id_users', 'users', ['manager_user_id'], ['id'])
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_username', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_audit_log_actor_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_ts', ['ts'], unique=False)

    op.create_table('payout_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('requested','approved','paid','rejected')", name=op.f('ck_payout_requests_status')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_payout_requests_decided_by_user_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_payout_requests_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_requests'))
    )
    with op.batch_alter_table('payout_requests', schema=None) as batch_op:
        batch_op.create_index('ix_payout_requests_partner_id', ['partner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payout_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_requests_partner_id')

    op.drop_table('payout_requests')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_ts')

    op.drop_table('audit_log')
    with op.batch_alter_table('partners') as batch_op:
        batch_op.drop_constraint('fk_partners_manager_user_id_users', type_='foreignkey')
    op.drop_table('users')
    with op.batch_alter_table('tracking_links', schema=None) as batch_op:
        batch_op.drop_index('ix_tracking_links_partner_id')

    op.drop_table('tracking_links')
    with op.batch_alter_table('promo_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_promo_codes_partner_id')

    op.drop_table('promo_codes')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index('ix_partners_parent_id')
        batch_op.drop_index('ix_partners_manager_user_id')

    op.drop_table('partners')
    op.drop_table('creatives')
    op.drop_table('tiers')
    op.drop_table('program_settings')
    op.drop_table('offers')
    op.drop_table('commission_plans')
