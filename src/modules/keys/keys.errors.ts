import { AppError, BadInputError, ForbiddenError, NotFoundError } from '../../platform/errors/app-error.js';

export class ApiKeyNotFoundError extends NotFoundError {
  constructor(id: string | number) {
    super('API key', id);
  }
}

export class ApiKeyNotActiveError extends AppError {
  constructor(id: string | number, state: string) {
    super('CONFLICT', `API key ${id} is ${state}`, { context: { id: String(id), state } });
  }
}

export class InvalidScopesError extends BadInputError {
  constructor(unknown: string[]) {
    super(`Unknown scopes: ${unknown.join(', ')}`, { unknownScopes: unknown });
  }
}

export class ScopeEscalationError extends ForbiddenError {
  constructor(scopes: string[]) {
    super(`A key cannot grant scopes its creator does not hold: ${scopes.join(', ')}`, {
      reason: 'SCOPE_ESCALATION',
      scopes,
    });
  }
}
