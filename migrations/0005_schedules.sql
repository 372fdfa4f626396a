CREATE TABLE `schedule_assignments` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`task_id` varchar(100) NOT NULL,
	`resource_id` varchar(100) NOT NULL,
	`units` decimal(18,4),
	`work_hours` decimal(18,4),
	CONSTRAINT `schedule_assignments_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_schedule_assignments_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `schedule_calendars` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`base_calendar_id` varchar(100),
	`hours_per_day` decimal(18,4),
	`work_week` varchar(1000),
	CONSTRAINT `schedule_calendars_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_schedule_calendars_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `schedule_resources` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`code` varchar(64),
	`name` varchar(255) NOT NULL,
	`type` enum('labor','nonlabor','material','cost') NOT NULL DEFAULT 'labor',
	`calendar_id` varchar(100),
	`max_units` decimal(18,4),
	CONSTRAINT `schedule_resources_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_schedule_resources_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`)
);
--> statement-breakpoint
ALTER TABLE `task_dependencies` DROP INDEX `uq_task_dependencies_origin`;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `is_summary` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `outline_level` int;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `sort_order` int;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `duration_unit` varchar(4);--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `calendar_id` varchar(100);--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `constraint_type` varchar(4);--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `constraint_date` date;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `start_at` datetime;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `finish_at` datetime;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `duration_minutes` decimal(18,4);--> statement-breakpoint
ALTER TABLE `task_dependencies` ADD `lag_unit` varchar(4);--> statement-breakpoint
ALTER TABLE `task_dependencies` ADD `lag_minutes` decimal(18,4);--> statement-breakpoint
ALTER TABLE `task_dependencies` ADD CONSTRAINT `uq_task_dependencies_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`);--> statement-breakpoint
CREATE INDEX `idx_schedule_assignments_task` ON `schedule_assignments` (`organization_id`,`project_id`,`task_id`);