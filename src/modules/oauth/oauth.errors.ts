import { AppError, BadInputError, ForbiddenError, NotFoundError } from '../../platform/errors/app-error.js';

export class OAuthClientNotFoundError extends NotFoundError {
  constructor(id: string | number) {
    super('OAuth client', id);
  }
}

export class OAuthClientInputError extends BadInputError {
  constructor(field: string, problem: string, context: Record<string, unknown> = {}) {
    super(`${field} ${problem}`, { field, ...context });
  }
}

export class OAuthScopeEscalationError extends ForbiddenError {
  constructor(scopes: string[]) {
    super(`A client cannot be granted scopes its creator does not hold: ${scopes.join(', ')}`, { reason: 'SCOPE_ESCALATION', scopes });
  }
}

export class PublicClientSecretError extends AppError {
  constructor(id: number) {
    super('CONFLICT', `OAuth client ${id} is public: it has no secret`, { context: { id: String(id) } });
  }
}
