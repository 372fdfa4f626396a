ALTER TABLE `webhooks` ADD `record_events` enum('each','batch','summary') DEFAULT 'batch' NOT NULL;--> statement-breakpoint
-- Endpoints that existed before the choice keep one message per record, as they were promised;
-- new endpoints get batches by default.
UPDATE `webhooks` SET `record_events` = 'each';
