CREATE TABLE `outbox_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`project_id` bigint unsigned,
	`message_id` varchar(40) NOT NULL,
	`event_type` varchar(100) NOT NULL,
	`payload` json NOT NULL,
	`target_webhook_id` bigint unsigned,
	`occurred_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`dispatched_at` datetime(3),
	CONSTRAINT `outbox_events_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_outbox_events_message` UNIQUE(`message_id`)
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`kind` varchar(100) NOT NULL,
	`severity` enum('info','warning','critical') NOT NULL DEFAULT 'warning',
	`title` varchar(255) NOT NULL,
	`message` text NOT NULL,
	`subject_type` varchar(50) NOT NULL,
	`subject_id` varchar(64) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`acknowledged_at` datetime(3),
	`acknowledged_by` varchar(255),
	`email_status` enum('pending','sent','failed','no_recipients') NOT NULL DEFAULT 'pending',
	`emailed_at` datetime(3),
	CONSTRAINT `alerts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `inbound_callback_rejections` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`provider` enum('quickbooks','msgraph','autodesk') NOT NULL,
	`reason` enum('unknown_connection','inactive_connection','wrong_provider','no_secret_configured','missing_signature','bad_signature') NOT NULL,
	`window_start` datetime(3) NOT NULL,
	`count` int unsigned NOT NULL DEFAULT 0,
	`last_at` datetime(3) NOT NULL,
	CONSTRAINT `inbound_callback_rejections_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_inbound_callback_rejections` UNIQUE(`connection_id`,`provider`,`reason`,`window_start`)
);
--> statement-breakpoint
CREATE TABLE `inbound_callbacks` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`provider` enum('quickbooks','msgraph','autodesk') NOT NULL,
	`dedupe_key` varchar(140) NOT NULL,
	`status` enum('received','processing','processed','failed') NOT NULL DEFAULT 'received',
	`events` json NOT NULL,
	`event_count` int unsigned NOT NULL,
	`payload` json,
	`body_sha256` char(64) NOT NULL,
	`body_bytes` int unsigned NOT NULL,
	`delivery_id` varchar(100),
	`replay_count` int unsigned NOT NULL DEFAULT 0,
	`last_replay_at` datetime(3),
	`attempts` smallint unsigned NOT NULL DEFAULT 0,
	`lease_until` datetime(3),
	`changes` json,
	`error` varchar(500),
	`received_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`processed_at` datetime(3),
	CONSTRAINT `inbound_callbacks_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_inbound_callbacks_dedupe` UNIQUE(`connection_id`,`dedupe_key`)
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`webhook_id` bigint unsigned NOT NULL,
	`event_id` bigint unsigned NOT NULL,
	`status` enum('pending','delivering','succeeded','failed','cancelled') NOT NULL DEFAULT 'pending',
	`attempt_count` smallint unsigned NOT NULL DEFAULT 0,
	`next_attempt_at` datetime(3),
	`lease_until` datetime(3),
	`claim_token` varchar(24),
	`last_attempt_at` datetime(3),
	`last_status_code` int,
	`last_error` varchar(500),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `webhook_deliveries_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_webhook_deliveries_event` UNIQUE(`event_id`,`webhook_id`)
);
--> statement-breakpoint
ALTER TABLE `webhook_logs` ADD `delivery_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `webhook_logs` ADD `message_id` varchar(40);--> statement-breakpoint
ALTER TABLE `webhook_logs` ADD `attempt` smallint unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `webhook_logs` ADD `success` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `webhook_logs` ADD `duration_ms` int;--> statement-breakpoint
ALTER TABLE `webhook_logs` ADD `error` varchar(500);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `previous_secret` varchar(255);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `previous_secret_expires_at` datetime(3);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `max_per_second` int;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `disabled_at` datetime(3);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `disabled_reason` varchar(500);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `failing_since` datetime(3);--> statement-breakpoint
CREATE INDEX `idx_outbox_events_pending` ON `outbox_events` (`dispatched_at`,`id`);--> statement-breakpoint
CREATE INDEX `idx_outbox_events_org` ON `outbox_events` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_alerts_org` ON `alerts` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_alerts_email` ON `alerts` (`email_status`,`id`);--> statement-breakpoint
CREATE INDEX `idx_inbound_callback_rejections_org` ON `inbound_callback_rejections` (`organization_id`,`window_start`);--> statement-breakpoint
CREATE INDEX `idx_inbound_callbacks_org` ON `inbound_callbacks` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_inbound_callbacks_status` ON `inbound_callbacks` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `idx_inbound_callbacks_received` ON `inbound_callbacks` (`received_at`);--> statement-breakpoint
CREATE INDEX `idx_webhook_deliveries_webhook` ON `webhook_deliveries` (`webhook_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `idx_webhook_deliveries_due` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `idx_webhook_logs_webhook_id` ON `webhook_logs` (`webhook_id`,`id`);