import { z } from 'zod';
import { defineEvent } from '../../platform/events/outbox.js';

const KeySummary = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  environment: z.enum(['live', 'test']),
  scopes: z.array(z.string()),
});

export const apiKeyCreated = defineEvent({
  name: 'api_key.created',
  description: 'An API key was created (also when one is regenerated). Never carries the secret.',
  schema: z.object({ apiKey: KeySummary }),
});

export const apiKeyRevoked = defineEvent({
  name: 'api_key.revoked',
  description: 'An API key was revoked and is refused from now on.',
  schema: z.object({ apiKey: KeySummary }),
});

export const KEY_EVENTS = [apiKeyCreated, apiKeyRevoked];
