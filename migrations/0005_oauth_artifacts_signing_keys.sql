CREATE TABLE `oauth_artifacts` (
	`model` varchar(40) NOT NULL,
	`id` varbinary(255) NOT NULL,
	`payload` json NOT NULL,
	`grant_id` varbinary(255),
	`uid` varbinary(255),
	`user_code` varbinary(255),
	`client_id` varchar(100),
	`expires_at` datetime(3),
	`consumed_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `pk_oauth_artifacts` PRIMARY KEY(`model`,`id`)
);
--> statement-breakpoint
CREATE TABLE `oauth_signing_keys` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`kid` varchar(64) NOT NULL,
	`alg` varchar(16) NOT NULL,
	`sealed_jwk` text NOT NULL,
	`retire_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `oauth_signing_keys_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_oauth_signing_keys_kid` UNIQUE(`kid`)
);
--> statement-breakpoint
ALTER TABLE `oauth_clients` ADD `rate_limit` int;--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_grant` ON `oauth_artifacts` (`grant_id`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_uid` ON `oauth_artifacts` (`uid`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_user_code` ON `oauth_artifacts` (`user_code`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_client` ON `oauth_artifacts` (`client_id`);--> statement-breakpoint
CREATE INDEX `idx_oauth_artifacts_expires` ON `oauth_artifacts` (`expires_at`);