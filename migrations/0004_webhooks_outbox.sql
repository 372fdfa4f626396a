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
CREATE TABLE `webhook_deliveries` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`webhook_id` bigint unsigned NOT NULL,
	`event_id` bigint unsigned NOT NULL,
	`status` enum('pending','delivering','succeeded','failed','cancelled') NOT NULL DEFAULT 'pending',
	`attempt_count` smallint unsigned NOT NULL DEFAULT 0,
	`next_attempt_at` datetime(3),
	`lease_until` datetime(3),
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
ALTER TABLE `webhooks` ADD `disabled_at` datetime(3);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `disabled_reason` varchar(500);--> statement-breakpoint
ALTER TABLE `webhooks` ADD `failing_since` datetime(3);--> statement-breakpoint
CREATE INDEX `idx_outbox_events_pending` ON `outbox_events` (`dispatched_at`,`id`);--> statement-breakpoint
CREATE INDEX `idx_outbox_events_org` ON `outbox_events` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_webhook_deliveries_webhook` ON `webhook_deliveries` (`webhook_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `idx_webhook_deliveries_due` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `idx_webhook_logs_webhook_id` ON `webhook_logs` (`webhook_id`,`id`);