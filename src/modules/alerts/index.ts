export { alerts, type AlertRow } from './alerts.table.js';
export { raiseAlert, listAlerts, acknowledgeAlert, emailPendingAlerts, type AlertInput } from './alerts.service.js';
export { emailAlertsJob, EMAIL_ALERTS_CRON } from './alerts.jobs.js';
export { AlertsResolver } from './alerts.resolver.js';
