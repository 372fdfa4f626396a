ALTER TABLE `task_dependencies` DROP INDEX `uq_task_dependencies_link`;--> statement-breakpoint
ALTER TABLE `schedule_tasks` ADD `percent_complete_type` varchar(8);--> statement-breakpoint
ALTER TABLE `task_dependencies` ADD CONSTRAINT `uq_task_dependencies_link` UNIQUE(`organization_id`,`project_id`,`predecessor_id`,`successor_id`,`type`);