export { auditEvents, type AuditEventRow } from './audit-events.table.js';
export { recordAudit, announceAudit, listAuditEvents, AUDIT_TOPIC, type Actor, type AuditInput } from './audit.service.js';
export { AuditResolver } from './audit.resolver.js';
