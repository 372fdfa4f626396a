import { AppError, BadInputError, NotFoundError } from '../../platform/errors/app-error.js';

export class IntegrationNotFoundError extends NotFoundError {
  constructor(id: string | number) {
    super('Integration', id);
  }
}

export class ConflictNotFoundError extends NotFoundError {
  constructor(id: string | number) {
    super('Integration conflict', id);
  }
}

export class UnknownIntegrationTypeError extends BadInputError {
  constructor(type: string) {
    super(`Unknown integration type ${type} (see integrationTypes)`, { field: 'type' });
  }
}

export class IntegrationConfigError extends BadInputError {
  constructor(problems: string[]) {
    super(`config is invalid: ${problems.join('; ')}`, { field: 'config', problems });
  }
}

export class NotOAuthConnectorError extends BadInputError {
  constructor(type: string) {
    super(`Integration type ${type} does not connect through OAuth`, { field: 'id' });
  }
}

export class ProviderNotConfiguredError extends AppError {
  constructor(type: string, variables: string) {
    super('SERVICE_UNAVAILABLE', `${type} is not configured on this server (${variables})`, { context: { type } });
  }
}

export class IntegrationStateError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('CONFLICT', message, { context });
  }
}
