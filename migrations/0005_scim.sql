CREATE TABLE `scim_group_members` (
	`group_id` bigint unsigned NOT NULL,
	`membership_id` bigint unsigned NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `scim_group_members_group_id_membership_id_pk` PRIMARY KEY(`group_id`,`membership_id`)
);
--> statement-breakpoint
CREATE TABLE `scim_groups` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`display_name` varchar(255) NOT NULL,
	`external_id` varchar(255),
	`version` int NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `scim_groups_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_scim_groups_org_display_name` UNIQUE(`organization_id`,`display_name`)
);
--> statement-breakpoint
CREATE TABLE `scim_tokens` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`token_hash` char(64) NOT NULL,
	`token_prefix` varchar(20) NOT NULL,
	`last_used_at` datetime(3),
	`revoked_at` datetime(3),
	`replaced_by_id` bigint unsigned,
	`created_by_key_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `scim_tokens_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_scim_tokens_hash` UNIQUE(`token_hash`)
);
--> statement-breakpoint
ALTER TABLE `memberships` ADD `active` boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_user_name` varchar(320);--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_external_id` varchar(255);--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_attributes` json;--> statement-breakpoint
ALTER TABLE `memberships` ADD `scim_version` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD CONSTRAINT `uq_memberships_org_scim_user_name` UNIQUE(`organization_id`,`scim_user_name`);--> statement-breakpoint
CREATE INDEX `idx_scim_group_members_membership` ON `scim_group_members` (`membership_id`);--> statement-breakpoint
CREATE INDEX `idx_scim_groups_org_external_id` ON `scim_groups` (`organization_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `idx_scim_tokens_org` ON `scim_tokens` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_memberships_org_scim_external_id` ON `memberships` (`organization_id`,`scim_external_id`);