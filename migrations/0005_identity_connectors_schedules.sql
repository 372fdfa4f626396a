CREATE TABLE `integration_conflicts` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`link_id` bigint unsigned NOT NULL,
	`entity_type` varchar(50) NOT NULL,
	`record_type` varchar(50) NOT NULL,
	`local_id` bigint unsigned NOT NULL,
	`remote_id` varchar(64) NOT NULL,
	`local_data` json NOT NULL,
	`remote_data` json NOT NULL,
	`remote_version` varchar(64),
	`status` enum('open','resolved') NOT NULL DEFAULT 'open',
	`resolution` enum('platform','remote'),
	`resolved_by` varchar(255),
	`resolved_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `integration_conflicts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `integration_cursors` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`entity_type` varchar(50) NOT NULL,
	`pulled_until` datetime(3),
	`pushed_until` datetime(3),
	CONSTRAINT `integration_cursors_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_integration_cursors` UNIQUE(`connection_id`,`entity_type`)
);
--> statement-breakpoint
CREATE TABLE `integration_links` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`entity_type` varchar(50) NOT NULL,
	`record_type` varchar(50) NOT NULL,
	`local_id` bigint unsigned NOT NULL,
	`remote_id` varchar(64) NOT NULL,
	`remote_version` varchar(64),
	`local_hash` varchar(64) NOT NULL,
	`remote_hash` varchar(64) NOT NULL,
	`remote_updated_at` datetime(3),
	`last_synced_at` datetime(3) NOT NULL,
	CONSTRAINT `integration_links_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_integration_links_remote` UNIQUE(`connection_id`,`entity_type`,`remote_id`),
	CONSTRAINT `uq_integration_links_local` UNIQUE(`connection_id`,`entity_type`,`local_id`)
);
--> statement-breakpoint
CREATE TABLE `integration_oauth_states` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`state_hash` varchar(64) NOT NULL,
	`code_verifier` varchar(255),
	`redirect_uri` varchar(1000) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `integration_oauth_states_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_integration_oauth_states` UNIQUE(`state_hash`)
);
--> statement-breakpoint
CREATE TABLE `oauth_artifacts` (
	`model` varchar(40) NOT NULL,
	`id` varbinary(255) NOT NULL,
	`payload` json NOT NULL,
	`grant_id` varbinary(255),
	`uid` varbinary(255),
	`user_code` varbinary(255),
	`client_id` varchar(100),
	`expires_at` datetime(3),
	`consumed_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `pk_oauth_artifacts` PRIMARY KEY(`model`,`id`)
);
--> statement-breakpoint
CREATE TABLE `oauth_signing_keys` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`kid` varchar(64) NOT NULL,
	`alg` varchar(16) NOT NULL,
	`sealed_jwk` text NOT NULL,
	`retire_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `oauth_signing_keys_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_oauth_signing_keys_kid` UNIQUE(`kid`)
);
--> statement-breakpoint
CREATE TABLE `schedule_assignments` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`task_id` varchar(100) NOT NULL,
	`resource_id` varchar(100) NOT NULL,
	`units` decimal(18,4),
	`work_hours` decimal(18,4),
	CONSTRAINT `schedule_assignments_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_schedule_assignments_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `schedule_calendars` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`base_calendar_id` varchar(100),
	`hours_per_day` decimal(18,4),
	`work_week` varchar(1000),
	CONSTRAINT `schedule_calendars_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_schedule_calendars_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `schedule_resources` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`code` varchar(64),
	`name` varchar(255) NOT NULL,
	`type` enum('labor','nonlabor','material','cost') NOT NULL DEFAULT 'labor',
	`calendar_id` varchar(100),
	`max_units` decimal(18,4),
	CONSTRAINT `schedule_resources_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_schedule_resources_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `scim_group_members` (
	`group_id` bigint unsigned NOT NULL,
	`membership_id` bigint unsigned NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `scim_group_members_group_id_membership_id_pk` PRIMARY KEY(`group_id`,`membership_id`)
);
--> statement-breakpoint
CREATE TABLE `scim_groups` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`display_name` varchar(255) NOT NULL,
	`external_id` varchar(255),
	`version` int NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `scim_groups_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_scim_groups_org_display_name` UNIQUE(`organization_id`,`display_name`)
);
--> statement-breakpoint
CREATE TABLE `scim_tokens` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`token_hash` char(64) NOT NULL,
	`token_prefix` varchar(20) NOT NULL,
	`last_used_at` datetime(3),
	`revoked_at` datetime(3),
	`replaced_by_id` bigint unsigned,
	`created_by_key_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `scim_tokens_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_scim_tokens_hash` UNIQUE(`token_hash`)
);
--> statement-breakpoint
CREATE TABLE `sso_connections` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`protocol` enum('saml','oidc') NOT NULL,
	`is_enabled` boolean NOT NULL DEFAULT true,
	`default_role` enum('owner','admin','member','viewer') NOT NULL DEFAULT 'member',
	`allow_idp_initiated` boolean NOT NULL DEFAULT false,
	`saml_idp_entity_id` varchar(1000),
	`saml_sso_url` varchar(1000),
	`saml_idp_certificates` json,
	`oidc_issuer` varchar(1000),
	`oidc_client_id` varchar(255),
	`oidc_client_secret` varchar(1000),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_connections_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `sso_consumed_assertions` (
	`assertion_key` varchar(191) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_consumed_assertions_assertion_key` PRIMARY KEY(`assertion_key`)
);
--> statement-breakpoint
CREATE TABLE `sso_domains` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`domain` varchar(253) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_domains_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_sso_domains_domain` UNIQUE(`domain`)
);
--> statement-breakpoint
CREATE TABLE `sso_identities` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`subject` varchar(512) NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`last_login_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_identities_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_sso_identities_subject` UNIQUE(`connection_id`,`subject`)
);
--> statement-breakpoint
CREATE TABLE `sso_oidc_states` (
	`state` varchar(64) NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`nonce` varchar(64) NOT NULL,
	`code_verifier` varchar(128) NOT NULL,
	`return_to` varchar(2000) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_oidc_states_state` PRIMARY KEY(`state`)
);
--> statement-breakpoint
CREATE TABLE `sso_saml_requests` (
	`request_key` varchar(191) NOT NULL,
	`value` varchar(64) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_saml_requests_request_key` PRIMARY KEY(`request_key`)
);
--> statement-breakpoint
ALTER TABLE `task_dependencies` DROP INDEX `uq_task_dependencies_origin`;--> statement-breakpoint
DROP INDEX `idx_integration_sync_logs_org` ON `integration_sync_logs`;--> statement-breakpoint
ALTER TABLE `integration_connections` ADD `auth_status` enum('not_connected','connected','needs_reauthorization') DEFAULT 'not_connected' NOT NULL;--> statement-breakpoint
ALTER TABLE `integration_connections` ADD `external_account_id` varchar(64);--> statement-breakpoint
ALTER TABLE `integration_connections` ADD `conflict_policy` enum('platform_wins','remote_wins','newest_wins','manual') DEFAULT 'newest_wins' NOT NULL;--> statement-breakpoint
ALTER TABLE `integration_connections` ADD `consecutive_failures` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `integration_sync_logs` ADD `direction` enum('pull','push','both') DEFAULT 'both' NOT NULL;--> statement-breakpoint
ALTER TABLE `integration_sync_logs` ADD `trigger` varchar(32) DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE `integration_sync_logs` ADD `records_deleted` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `integration_sync_logs` ADD `conflicts` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `integration_sync_logs` ADD `request_count` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `oauth_clients` ADD `rate_limit` int;--> statement-breakpoint
ALTER TABLE `memberships` ADD `active` boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_user_name` varchar(320);--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_external_id` varchar(255);--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_attributes` json;--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_version` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `is_summary` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `outline_level` int;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `sort_order` int;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `duration_unit` varchar(4);--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `calendar_id` varchar(100);--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `constraint_type` varchar(4);--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `constraint_date` date;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `start_at` datetime;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `finish_at` datetime;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `duration_minutes` decimal(18,4);--> statement-breakpoint
ALTER TABLE `task_dependencies` ADD `lag_unit` varchar(4);--> statement-breakpoint
ALTER TABLE `task_dependencies` ADD `lag_minutes` decimal(18,4);--> statement-breakpoint
ALTER TABLE `memberships` ADD CONSTRAINT `uq_memberships_org_scim_user_name` UNIQUE(`organization_id`,`scim_user_name`);--> statement-breakpoint
ALTER TABLE `task_dependencies` ADD CONSTRAINT `uq_task_dependencies_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_conflicts_org` ON `integration_conflicts` (`organization_id`,`connection_id`,`status`);--> statement-breakpoint
CREATE INDEX `idx_integration_conflicts_link` ON `integration_conflicts` (`link_id`,`status`);--> statement-breakpoint
CREATE INDEX `idx_integration_links_org` ON `integration_links` (`organization_id`,`connection_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_oauth_states_conn` ON `integration_oauth_states` (`connection_id`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_grant` ON `oauth_artifacts` (`grant_id`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_uid` ON `oauth_artifacts` (`uid`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_user_code` ON `oauth_artifacts` (`user_code`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_client` ON `oauth_artifacts` (`client_id`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_expires` ON `oauth_artifacts` (`expires_at`);--> statement-breakpoint
CREATE INDEX `idx_schedule_assignments_task` ON `schedule_assignments` (`organization_id`,`project_id`,`task_id`);--> statement-breakpoint
CREATE INDEX `idx_scim_group_members_membership` ON `scim_group_members` (`membership_id`);--> statement-breakpoint
CREATE INDEX `idx_scim_groups_org_external_id` ON `scim_groups` (`organization_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `idx_scim_tokens_org` ON `scim_tokens` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_sso_connections_org` ON `sso_connections` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_sso_consumed_assertions_expiry` ON `sso_consumed_assertions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `idx_sso_domains_connection` ON `sso_domains` (`connection_id`);--> statement-breakpoint
CREATE INDEX `idx_sso_identities_user` ON `sso_identities` (`user_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_connections_account` ON `integration_connections` (`integration_type`,`external_account_id`);--> statement-breakpoint
CREATE INDEX `idx_memberships_org_scim_external_id` ON `memberships` (`organization_id`,`scim_external_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_sync_logs_org` ON `integration_sync_logs` (`organization_id`,`connection_id`,`id`);