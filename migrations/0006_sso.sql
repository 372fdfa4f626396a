CREATE TABLE `sso_connections` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`protocol` enum('saml','oidc') NOT NULL,
	`is_enabled` boolean NOT NULL DEFAULT true,
	`default_role` enum('owner','admin','member','viewer') NOT NULL DEFAULT 'member',
	`allow_idp_initiated` boolean NOT NULL DEFAULT false,
	`saml_idp_entity_id` varchar(1000),
	`saml_sso_url` varchar(1000),
	`saml_idp_certificates` json,
	`oidc_issuer` varchar(1000),
	`oidc_client_id` varchar(255),
	`oidc_client_secret` varchar(1000),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_connections_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `sso_consumed_assertions` (
	`assertion_key` varchar(191) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_consumed_assertions_assertion_key` PRIMARY KEY(`assertion_key`)
);
--> statement-breakpoint
CREATE TABLE `sso_domains` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`domain` varchar(253) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_domains_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_sso_domains_domain` UNIQUE(`domain`)
);
--> statement-breakpoint
CREATE TABLE `sso_identities` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`organization_id` bigint unsigned NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`subject` varchar(512) NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`last_login_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_identities_id` PRIMARY KEY(`id`),
	CONSTRAINT `uq_sso_identities_subject` UNIQUE(`connection_id`,`subject`)
);
--> statement-breakpoint
CREATE TABLE `sso_oidc_states` (
	`state` varchar(64) NOT NULL,
	`connection_id` bigint unsigned NOT NULL,
	`nonce` varchar(64) NOT NULL,
	`code_verifier` varchar(128) NOT NULL,
	`return_to` varchar(2000) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_oidc_states_state` PRIMARY KEY(`state`)
);
--> statement-breakpoint
CREATE TABLE `sso_saml_requests` (
	`request_key` varchar(191) NOT NULL,
	`value` varchar(64) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sso_saml_requests_request_key` PRIMARY KEY(`request_key`)
);
--> statement-breakpoint
CREATE INDEX `idx_sso_connections_org` ON `sso_connections` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `idx_sso_consumed_assertions_expiry` ON `sso_consumed_assertions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `idx_sso_domains_connection` ON `sso_domains` (`connection_id`);--> statement-breakpoint
CREATE INDEX `idx_sso_identities_user` ON `sso_identities` (`user_id`);