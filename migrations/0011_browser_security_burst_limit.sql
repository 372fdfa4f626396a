CREATE TABLE `browser_session_revocations` (
	`user_id` bigint unsigned NOT NULL,
	`revoked_before` bigint unsigned NOT NULL,
	CONSTRAINT `browser_session_revocations_user_id` PRIMARY KEY(`user_id`)
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `burst_limit` int;--> statement-breakpoint
ALTER TABLE `oauth_clients` ADD `web_origins` json DEFAULT ('[]') NOT NULL;