CREATE TABLE `budget_line_items` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`cost_code` varchar(32) NOT NULL,
	`description` varchar(255),
	`quantity` decimal(18,4),
	`unit` varchar(16),
	`unit_cost` decimal(15,2),
	`original_amount` decimal(15,2) NOT NULL,
	`revised_amount` decimal(15,2),
	CONSTRAINT `budget_line_items_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_budget_line_items_origin` UNIQUE(`organization_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`first_name` varchar(100),
	`last_name` varchar(100) NOT NULL,
	`email` varchar(320),
	`phone` varchar(40),
	`company` varchar(255),
	`vendor_code` varchar(64),
	`title` varchar(100),
	CONSTRAINT `contacts_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_contacts_origin` UNIQUE(`organization_id`,`origin_id`),
	CONSTRAINT `uq_contacts_email` UNIQUE(`organization_id`,`email`)
);
--> statement-breakpoint
CREATE TABLE `cost_codes` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`code` varchar(32) NOT NULL,
	`name` varchar(255) NOT NULL,
	`division` varchar(64),
	`cost_type` enum('labor','material','equipment','subcontract','other'),
	CONSTRAINT `cost_codes_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_cost_codes_origin` UNIQUE(`organization_id`,`origin_id`),
	CONSTRAINT `uq_cost_codes_code` UNIQUE(`organization_id`,`code`)
);
--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`kind` enum('payable','receivable') NOT NULL,
	`number` varchar(64) NOT NULL,
	`vendor_code` varchar(64),
	`invoice_date` date NOT NULL,
	`due_date` date,
	`amount` decimal(15,2) NOT NULL,
	`tax_amount` decimal(15,2),
	`currency` char(3),
	`status` enum('draft','open','paid','void') NOT NULL DEFAULT 'open',
	CONSTRAINT `invoices_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_invoices_origin` UNIQUE(`organization_id`,`origin_id`),
	CONSTRAINT `uq_invoices_number` UNIQUE(`organization_id`,`project_id`,`number`)
);
--> statement-breakpoint
CREATE TABLE `payments` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`invoice_number` varchar(64) NOT NULL,
	`payment_date` date NOT NULL,
	`amount` decimal(15,2) NOT NULL,
	`method` enum('check','ach','wire','card','other'),
	`reference` varchar(100),
	CONSTRAINT `payments_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_payments_origin` UNIQUE(`organization_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `schedule_tasks` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`wbs` varchar(64),
	`name` varchar(255) NOT NULL,
	`start_date` date,
	`finish_date` date,
	`duration_days` decimal(18,4),
	`percent_complete` decimal(18,4),
	`is_milestone` boolean NOT NULL DEFAULT false,
	CONSTRAINT `schedule_tasks_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_schedule_tasks_origin` UNIQUE(`organization_id`,`project_id`,`origin_id`)
);
--> statement-breakpoint
CREATE TABLE `task_dependencies` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`project_id` bigint unsigned NOT NULL,
	`predecessor_id` varchar(100) NOT NULL,
	`successor_id` varchar(100) NOT NULL,
	`type` enum('FS','SS','FF','SF') NOT NULL DEFAULT 'FS',
	`lag_days` decimal(18,4),
	CONSTRAINT `task_dependencies_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_task_dependencies_origin` UNIQUE(`organization_id`,`origin_id`),
	CONSTRAINT `uq_task_dependencies_link` UNIQUE(`organization_id`,`project_id`,`predecessor_id`,`successor_id`)
);
--> statement-breakpoint
CREATE TABLE `vendors` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`origin_id` varchar(100),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`code` varchar(64) NOT NULL,
	`name` varchar(255) NOT NULL,
	`tax_id` varchar(32),
	`email` varchar(320),
	`phone` varchar(40),
	`payment_terms` enum('net_15','net_30','net_45','net_60','due_on_receipt'),
	`status` enum('active','inactive') NOT NULL DEFAULT 'active',
	CONSTRAINT `vendors_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_vendors_origin` UNIQUE(`organization_id`,`origin_id`),
	CONSTRAINT `uq_vendors_code` UNIQUE(`organization_id`,`code`)
);
--> statement-breakpoint
CREATE INDEX `idx_budget_line_items_project` ON `budget_line_items` (`organization_id`,`project_id`,`cost_code`);--> statement-breakpoint
CREATE INDEX `idx_contacts_vendor` ON `contacts` (`organization_id`,`vendor_code`);--> statement-breakpoint
CREATE INDEX `idx_invoices_vendor` ON `invoices` (`organization_id`,`vendor_code`);--> statement-breakpoint
CREATE INDEX `idx_payments_invoice` ON `payments` (`organization_id`,`project_id`,`invoice_number`);--> statement-breakpoint
CREATE INDEX `idx_schedule_tasks_wbs` ON `schedule_tasks` (`organization_id`,`project_id`,`wbs`);