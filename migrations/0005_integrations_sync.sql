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
CREATE INDEX `idx_integration_conflicts_org` ON `integration_conflicts` (`organization_id`,`connection_id`,`status`);--> statement-breakpoint
CREATE INDEX `idx_integration_conflicts_link` ON `integration_conflicts` (`link_id`,`status`);--> statement-breakpoint
CREATE INDEX `idx_integration_links_org` ON `integration_links` (`organization_id`,`connection_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_oauth_states_conn` ON `integration_oauth_states` (`connection_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_connections_account` ON `integration_connections` (`integration_type`,`external_account_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_sync_logs_org` ON `integration_sync_logs` (`organization_id`,`connection_id`,`id`);