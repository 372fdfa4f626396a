CREATE TABLE `field_rate_limits` (
	`identity` varchar(255) NOT NULL,
	`timestamps` json NOT NULL,
	`expires_at` bigint unsigned NOT NULL,
	CONSTRAINT `field_rate_limits_identity` PRIMARY KEY(`identity`)
);
--> statement-breakpoint
CREATE TABLE `rate_limit_counters` (
	`bucket` varchar(191) NOT NULL,
	`w1_start` bigint unsigned NOT NULL,
	`w1_hits` int unsigned NOT NULL,
	`w2_start` bigint unsigned NOT NULL,
	`w2_hits` int unsigned NOT NULL,
	`packed` bigint unsigned NOT NULL,
	`expires_at` bigint unsigned NOT NULL,
	CONSTRAINT `rate_limit_counters_bucket` PRIMARY KEY(`bucket`)
);
--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`actor_type` varchar(32) NOT NULL,
	`actor_id` varchar(64),
	`action` varchar(100) NOT NULL,
	`target_type` varchar(64) NOT NULL,
	`target_id` varchar(64) NOT NULL,
	`metadata` json,
	`request_id` varchar(64),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `audit_events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `import_jobs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`project_id` bigint unsigned NOT NULL,
	`import_type` varchar(100) NOT NULL,
	`file_path` varchar(1000) NOT NULL,
	`file_name` varchar(255),
	`mapping` json,
	`status` enum('pending','validating','importing','completed','failed') NOT NULL DEFAULT 'pending',
	`total_rows` int,
	`processed_rows` int NOT NULL DEFAULT 0,
	`success_rows` int NOT NULL DEFAULT 0,
	`failed_rows` int NOT NULL DEFAULT 0,
	`errors` json,
	`started_at` datetime(3),
	`completed_at` datetime(3),
	`created_by` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `import_jobs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `integration_connections` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`project_id` bigint unsigned,
	`integration_type` varchar(100) NOT NULL,
	`name` varchar(255) NOT NULL,
	`config` json,
	`credentials` json,
	`sync_settings` json,
	`last_sync_at` datetime(3),
	`last_sync_status` enum('success','failed','partial'),
	`is_active` boolean NOT NULL DEFAULT true,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `integration_connections_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `integration_sync_logs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`sync_type` enum('full','incremental','push','pull') NOT NULL,
	`started_at` datetime(3) NOT NULL,
	`completed_at` datetime(3),
	`status` enum('running','completed','failed') NOT NULL DEFAULT 'running',
	`records_processed` int NOT NULL DEFAULT 0,
	`records_created` int NOT NULL DEFAULT 0,
	`records_updated` int NOT NULL DEFAULT 0,
	`records_failed` int NOT NULL DEFAULT 0,
	`error_log` json,
	CONSTRAINT `integration_sync_logs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`key_hash` char(64) NOT NULL,
	`key_prefix` varchar(20) NOT NULL,
	`environment` enum('live','test') NOT NULL DEFAULT 'live',
	`scopes` json NOT NULL,
	`rate_limit` int NOT NULL DEFAULT 1000,
	`last_used_at` datetime(3),
	`expires_at` datetime(3),
	`is_active` boolean NOT NULL DEFAULT true,
	`revoked_at` datetime(3),
	`replaced_by_id` bigint unsigned,
	`created_by` bigint unsigned,
	`created_by_key_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `api_keys_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_api_keys_hash` UNIQUE(`key_hash`)
);
--> statement-breakpoint
CREATE TABLE `oauth_clients` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`client_id` varchar(100) NOT NULL,
	`client_secret` varchar(255) NOT NULL,
	`redirect_uris` json NOT NULL,
	`scopes` json NOT NULL,
	`is_confidential` boolean NOT NULL DEFAULT true,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `oauth_clients_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_oauth_clients_client_id` UNIQUE(`client_id`)
);
--> statement-breakpoint
CREATE TABLE `memberships` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`role` enum('owner','admin','member','viewer') NOT NULL DEFAULT 'member',
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `memberships_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_memberships_org_user` UNIQUE(`organization_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(255) NOT NULL,
	`slug` varchar(100) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `organizations_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_organizations_slug` UNIQUE(`slug`)
);
--> statement-breakpoint
CREATE TABLE `projects` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`code` varchar(64) NOT NULL,
	`status` enum('active','on_hold','completed','archived') NOT NULL DEFAULT 'active',
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `projects_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_projects_org_code` UNIQUE(`organization_id`,`code`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`email` varchar(320) NOT NULL,
	`name` varchar(255),
	`password_hash` varchar(255),
	`is_active` boolean NOT NULL DEFAULT true,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `users_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_users_email` UNIQUE(`email`)
);
--> statement-breakpoint
CREATE TABLE `webhook_logs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`webhook_id` bigint unsigned NOT NULL,
	`event` varchar(100) NOT NULL,
	`payload` json,
	`response_status` int,
	`response_body` text,
	`sent_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `webhook_logs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`project_id` bigint unsigned,
	`name` varchar(255) NOT NULL,
	`url` varchar(1000) NOT NULL,
	`events` json NOT NULL,
	`secret` varchar(255),
	`is_active` boolean NOT NULL DEFAULT true,
	`last_triggered_at` datetime(3),
	`failure_count` int NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `webhooks_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `idx_field_rate_limits_expires` ON `field_rate_limits` (`expires_at`);--> statement-breakpoint
CREATE INDEX `idx_rate_limit_counters_expires` ON `rate_limit_counters` (`expires_at`);--> statement-breakpoint
CREATE INDEX `idx_audit_org_created` ON `audit_events` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_audit_target` ON `audit_events` (`organization_id`,`target_type`,`target_id`);--> statement-breakpoint
CREATE INDEX `idx_import_jobs_org` ON `import_jobs` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_integration_connections_org` ON `integration_connections` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_connection` ON `integration_sync_logs` (`connection_id`);--> statement-breakpoint
CREATE INDEX `idx_integration_sync_logs_org` ON `integration_sync_logs` (`organization_id`);--> statement-breakpoint
CREATE INDEX `idx_prefix` ON `api_keys` (`key_prefix`);--> statement-breakpoint
CREATE INDEX `idx_api_keys_org` ON `api_keys` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE INDEX `idx_webhook` ON `webhook_logs` (`webhook_id`);--> statement-breakpoint
CREATE INDEX `idx_webhook_logs_org` ON `webhook_logs` (`organization_id`);--> statement-breakpoint
CREATE INDEX `idx_webhooks_org` ON `webhooks` (`organization_id`,`id`);