CREATE TABLE `export_jobs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`project_id` bigint unsigned,
	`entity_type` varchar(100) NOT NULL,
	`format` varchar(10) NOT NULL,
	`filters` json NOT NULL,
	`status` enum('pending','running','completed','failed') NOT NULL DEFAULT 'pending',
	`row_count` int,
	`file_key` varchar(500),
	`file_size` bigint unsigned,
	`file_sha256` char(64),
	`manifest` json,
	`error_message` text,
	`created_by_key_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`started_at` datetime(3),
	`completed_at` datetime(3),
	CONSTRAINT `export_jobs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `idx_export_jobs_org` ON `export_jobs` (`organization_id`,`id`);