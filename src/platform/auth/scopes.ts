/**
 * The scope catalog. A credential carries a list of these; `*` grants all. A `:write` scope
 * implies the matching `:read`.
 */
export const SCOPES = {
  '*': 'Everything, including scopes added later',
  'org:read': 'Read the organization and its projects',
  'org:write': 'Create and change projects',
  'members:read': 'List the organization’s members (e-mail addresses, names, roles)',
  'members:write': 'Change members’ roles; deactivate and reactivate members',
  'keys:read': 'List API keys (never their secrets)',
  'keys:write': 'Create, regenerate and revoke API keys',
  'audit:read': 'Read the audit trail',
  'imports:read': 'Read import jobs and their reports',
  'imports:write': 'Upload and run imports',
  'exports:read': 'Read and download exports',
  'exports:write': 'Start exports',
  'webhooks:read': 'List webhooks and their delivery logs',
  'webhooks:write': 'Create, change, test and delete webhooks',
  'integrations:read': 'List integration connections and sync logs',
  'integrations:write': 'Connect, change and sync integrations',
  'records:read': 'Read platform records (vendors, cost codes, invoices, schedules, …)',
  'records:write': 'Create and change platform records',
  'sso:read': 'List SSO connections (never their client secrets)',
  'sso:write': 'Create, change and delete SSO connections',
  'scim:read': 'List SCIM provisioning tokens (never their secrets)',
  'scim:write': 'Create, rotate and revoke SCIM provisioning tokens: whoever holds one manages the organization’s members',
} as const;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

/** Whether `granted` satisfies `required`. */
export function hasScope(granted: readonly string[], required: Scope): boolean {
  if (granted.includes('*') || granted.includes(required)) return true;
  if (required.endsWith(':read')) return granted.includes(required.replace(/:read$/, ':write'));
  return false;
}

/** Scopes in `requested` that `granted` does not cover: a credential cannot mint a stronger one. */
export function scopesNotCovered(granted: readonly string[], requested: readonly string[]): string[] {
  if (granted.includes('*')) return [];
  return requested.filter((scope) => scope === '*' || !isScope(scope) || !hasScope(granted, scope));
}
