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
CREATE INDEX `idx_inbound_callback_rejections_org` ON `inbound_callback_rejections` (`organization_id`,`window_start`);--> statement-breakpoint
CREATE INDEX `idx_inbound_callbacks_org` ON `inbound_callbacks` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_inbound_callbacks_status` ON `inbound_callbacks` (`status`,`received_at`);--> statement-breakpoint
CREATE INDEX `idx_inbound_callbacks_received` ON `inbound_callbacks` (`received_at`);