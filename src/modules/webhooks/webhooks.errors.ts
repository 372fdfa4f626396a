import { AppError, BadInputError, NotFoundError } from '../../platform/errors/app-error.js';

export class WebhookNotFoundError extends NotFoundError {
  constructor(id: string | number) {
    super('Webhook', id);
  }
}

export class WebhookMessageNotFoundError extends NotFoundError {
  constructor(messageId: string) {
    super('Webhook message', messageId);
  }
}

export class WebhookUrlError extends BadInputError {
  constructor(problem: string) {
    super(`url ${problem}`, { field: 'url' });
  }
}

export class UnknownEventTypesError extends BadInputError {
  constructor(unknown: string[]) {
    super(`Unknown event types: ${unknown.join(', ')} (see webhookEventTypes)`, { field: 'events', unknownEventTypes: unknown });
  }
}

export class WebhookDisabledError extends AppError {
  constructor(id: number) {
    super('CONFLICT', `Webhook ${id} is disabled; enable it with updateWebhook(isActive: true) first`, { context: { id: String(id) } });
  }
}

export class DeliveryInFlightError extends AppError {
  constructor(messageId: string) {
    super('CONFLICT', `Message ${messageId} is being delivered right now; try again in a minute`, { retryable: true, context: { messageId } });
  }
}
