CREATE TABLE `download_links` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`token_hash` char(64) NOT NULL,
	`file_key` varchar(500) NOT NULL,
	`file_name` varchar(255) NOT NULL,
	`content_type` varchar(100) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `download_links_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_download_links_token` UNIQUE(`token_hash`)
);
--> statement-breakpoint
CREATE TABLE `import_mappings` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`import_type` varchar(100) NOT NULL,
	`header_signature` char(64) NOT NULL,
	`mapping` json NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `import_mappings_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_import_mappings` UNIQUE(`organization_id`,`import_type`,`header_signature`)
);
--> statement-breakpoint
ALTER TABLE `import_jobs` MODIFY COLUMN `project_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `import_jobs` MODIFY COLUMN `status` enum('pending','validating','validated','importing','completed','failed','cancelled') NOT NULL DEFAULT 'pending';--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `file_size` bigint unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `file_sha256` char(64);--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `format` varchar(10) DEFAULT 'csv' NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `options` json;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `headers` json;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `header_signature` char(64);--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `mode` enum('skip_invalid','all_or_nothing') DEFAULT 'skip_invalid' NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `phase` varchar(32);--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `inserted_rows` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `updated_rows` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `warning_count` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `error_message` text;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `checkpoint_row` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `cancel_requested` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `report_key` varchar(500);--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `created_by_key_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `updated_at` datetime(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL;--> statement-breakpoint
CREATE INDEX `idx_download_links_expires` ON `download_links` (`expires_at`);