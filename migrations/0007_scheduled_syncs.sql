ALTER TABLE `integration_connections` ADD `sync_interval_minutes` int;--> statement-breakpoint
ALTER TABLE `integration_connections` ADD `next_sync_at` datetime(3);--> statement-breakpoint
CREATE INDEX `idx_integration_connections_next_sync` ON `integration_connections` (`next_sync_at`);