import { z } from 'zod';
import { defineJob } from '../../platform/queue/jobs.js';

/** Sends pending alert e-mails; runs every minute and right after an alert is raised. */
export const emailAlertsJob = defineJob({ name: 'alerts.email', schema: z.object({}) });

export const EMAIL_ALERTS_CRON = '* * * * *';
