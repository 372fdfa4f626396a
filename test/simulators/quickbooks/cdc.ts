import { entityByName, type Company, type EntityName, type Stored } from './entities.js';
import { qboTime, requiredParamMissing, validationFault } from './faults.js';

/**
 * Change data capture: `GET /v3/company/{realmId}/cdc?entities=Vendor,Bill&changedSince=<date-time>`.
 * Follows Intuit's "Change data capture operation": full objects changed at or after changedSince,
 * deleted ones as `{ status: "Deleted", Id, MetaData }`, a look-back of at most 30 days and at most
 * 1,000 objects per answer (the oldest changes first, so a caller can continue from the last one).
 */

export const CDC_MAX_OBJECTS = 1000;
export const CDC_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export function changeDataCapture(company: Company, params: URLSearchParams, now: number): Record<string, unknown> {
  const entitiesParam = params.get('entities');
  if (!entitiesParam) throw requiredParamMissing(now, 'entities');
  const entities: EntityName[] = [];
  for (const name of entitiesParam.split(',').map((n) => n.trim()).filter(Boolean)) {
    const entity = entityByName(name);
    if (!entity) throw validationFault(now, '4001', 'Invalid query', `QueryValidationError: CDC is not supported for entity ${name}`, 'entities');
    if (!entities.includes(entity)) entities.push(entity);
  }
  if (entities.length === 0) throw requiredParamMissing(now, 'entities');
  const changedSinceParam = params.get('changedSince');
  if (!changedSinceParam) throw requiredParamMissing(now, 'changedSince');
  const changedSince = Date.parse(changedSinceParam);
  if (Number.isNaN(changedSince)) {
    throw validationFault(now, '4001', 'Invalid query', `changedSince ${changedSinceParam} is not a valid date-time`, 'changedSince');
  }
  if (changedSince < now - CDC_WINDOW_MS) {
    throw validationFault(now, '4001', 'Invalid query', 'changedSince must be within the last 30 days', 'changedSince');
  }

  const changed: Stored[] = [];
  for (const entity of entities) {
    for (const stored of company.table(entity).values()) if (stored.updatedAt >= changedSince) changed.push(stored);
  }
  changed.sort((a, b) => a.updatedAt - b.updatedAt || entities.indexOf(a.entity) - entities.indexOf(b.entity) || Number(a.id) - Number(b.id));
  const kept = changed.slice(0, CDC_MAX_OBJECTS);

  const queryResponses = entities.map((entity) => {
    const objects = kept.filter((s) => s.entity === entity).map((s) => company.view(s));
    if (objects.length === 0) return {};
    return { [entity]: objects, startPosition: 1, maxResults: objects.length, totalCount: objects.length };
  });
  return { CDCResponse: [{ QueryResponse: queryResponses }], time: qboTime(now, true) };
}
