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
CREATE INDEX `idx_alerts_org` ON `alerts` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_alerts_email` ON `alerts` (`email_status`,`id`);