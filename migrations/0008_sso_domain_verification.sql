ALTER TABLE `sso_domains` ADD `verification_token` varchar(64) NOT NULL DEFAULT '';--> statement-breakpoint
ALTER TABLE `sso_domains` ADD `verified_at` datetime(3);--> statement-breakpoint
ALTER TABLE `sso_domains` ADD `verified_domain` varchar(253);--> statement-breakpoint
-- Domains claimed before verification existed (each was unique across all connections then) keep working: they count as verified, and get a token for re-verifying.
UPDATE `sso_domains` SET `verification_token` = SHA2(CONCAT(UUID(), RAND(), `id`), 256), `verified_at` = `created_at`, `verified_domain` = `domain`;--> statement-breakpoint
ALTER TABLE `sso_domains` ALTER `verification_token` DROP DEFAULT;--> statement-breakpoint
ALTER TABLE `sso_domains` ADD CONSTRAINT `uq_sso_domains_connection_domain` UNIQUE(`connection_id`,`domain`);--> statement-breakpoint
ALTER TABLE `sso_domains` ADD CONSTRAINT `uq_sso_domains_verified` UNIQUE(`verified_domain`);--> statement-breakpoint
CREATE INDEX `idx_sso_domains_domain` ON `sso_domains` (`domain`);--> statement-breakpoint
ALTER TABLE `sso_domains` DROP INDEX `uq_sso_domains_domain`;--> statement-breakpoint
DROP INDEX `idx_sso_domains_connection` ON `sso_domains`;
