ALTER TABLE `export_jobs` ADD `runner_id` varchar(64);--> statement-breakpoint
ALTER TABLE `export_jobs` ADD `heartbeat_at` datetime(3);--> statement-breakpoint
ALTER TABLE `export_jobs` ADD `resume_count` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `error_code` varchar(40);--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `run` enum('validate','import');--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `runner_id` varchar(64);--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `heartbeat_at` datetime(3);--> statement-breakpoint
ALTER TABLE `import_jobs` ADD `resume_count` int DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `idx_export_jobs_heartbeat` ON `export_jobs` (`status`,`heartbeat_at`);--> statement-breakpoint
CREATE INDEX `idx_import_jobs_heartbeat` ON `import_jobs` (`status`,`heartbeat_at`);--> statement-breakpoint
UPDATE `import_jobs` SET `status` = 'cancelled', `phase` = 'cancelled', `completed_at` = COALESCE(`completed_at`, CURRENT_TIMESTAMP(3)) WHERE `cancel_requested` = 1 AND `status` IN ('validating', 'importing');--> statement-breakpoint
UPDATE `import_jobs` SET `run` = CASE WHEN `status` IN ('validating', 'validated') THEN 'validate' WHEN `status` IN ('importing', 'completed') OR `checkpoint_row` > 0 OR `started_at` IS NOT NULL THEN 'import' END WHERE `run` IS NULL;--> statement-breakpoint
ALTER TABLE `import_jobs` DROP COLUMN `cancel_requested`;