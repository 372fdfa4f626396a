import { useState, type FormEvent } from 'react';
import type { Api } from './api.js';
import { ErrorMessage, formatDate, SecretOnce, Section, useLoad } from './ui.js';

/*
 * Webhooks, a portal in the manner of Svix's: the endpoints and their state (disabled and why),
 * create one with its event types (each with the JSON Schema of its data; the signing secret shown
 * once), send a test, the attempts log with the request and the answer, redeliver a message.
 */

interface Webhook {
  id: string;
  name: string;
  url: string;
  events: string[];
  status: string;
  disabledReason: string | null;
  failureCount: number;
  failingSince: string | null;
  lastTriggeredAt: string | null;
}
interface EventType {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}
interface Attempt {
  id: string;
  messageId: string | null;
  eventType: string;
  attempt: number;
  success: boolean;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number | null;
  sentAt: string;
  payload: unknown;
}

const HOOK = 'id name url events status disabledReason failureCount failingSince lastTriggeredAt';
const LIST = `{ webhooks(first: 100) { nodes { ${HOOK} } } webhookEventTypes { name description schema } }`;
const CREATE = `mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { ${HOOK} } } }`;
const TEST = 'mutation TestWebhook($id: ID!) { testWebhook(id: $id) { success responseStatus error } }';
const LOGS = 'query WebhookLogs($id: ID!) { webhookLogs(webhookId: $id, first: 50) { nodes { id messageId eventType attempt success responseStatus responseBody error durationMs sentAt payload } } }';
const REDELIVER = 'mutation Redeliver($webhookId: ID!, $messageId: String!) { redeliverWebhookMessage(webhookId: $webhookId, messageId: $messageId) { id status } }';

export function WebhooksPage({ api }: { api: Api }) {
  const loaded = useLoad(() => api.request<{ webhooks: { nodes: Webhook[] }; webhookEventTypes: EventType[] }>(LIST), []);
  const [secret, setSecret] = useState<{ name: string; plaintext: string } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const hooks = loaded.data?.webhooks.nodes ?? [];
  const chosen = hooks.find((h) => h.id === selected);
  return (
    <>
      <ErrorMessage error={loaded.error} />
      {loaded.data && (
        <CreateWebhook
          api={api}
          eventTypes={loaded.data.webhookEventTypes}
          onCreated={(name, plaintext) => {
            setSecret({ name, plaintext });
            loaded.reload();
          }}
        />
      )}
      {secret && <SecretOnce title={`Webhook “${secret.name}” created: its signing secret`} plaintext={secret.plaintext} onDone={() => setSecret(null)} />}
      <Section title="Endpoints">
        {hooks.length === 0 ? (
          <p>No webhooks yet.</p>
        ) : (
          <div className="scroll">
            <table aria-label="Webhooks">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">State</th>
                  <th scope="col">Last event</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {hooks.map((hook) => (
                  <tr key={hook.id}>
                    <td>{hook.name}</td>
                    <td>
                      <code>{hook.url}</code>
                    </td>
                    <td>{hook.events.join(' ')}</td>
                    <td data-testid="webhook-status">
                      {hook.status}
                      {hook.disabledReason && <span className="muted">: {hook.disabledReason}</span>}
                      {hook.failureCount > 0 && <span className="muted"> ({hook.failureCount} failures since {formatDate(hook.failingSince)})</span>}
                    </td>
                    <td>{formatDate(hook.lastTriggeredAt)}</td>
                    <td>
                      <button type="button" className="secondary" aria-pressed={selected === hook.id} onClick={() => setSelected(hook.id)}>
                        Attempts of {hook.name}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      {chosen && <WebhookDetail key={chosen.id} api={api} hook={chosen} />}
    </>
  );
}

function CreateWebhook({ api, eventTypes, onCreated }: { api: Api; eventTypes: EventType[]; onCreated: (name: string, secret: string) => void }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { createWebhook } = await api.request<{ createWebhook: { secret: string; webhook: Webhook } }>(CREATE, { input: { name, url, events: [...events] } });
      onCreated(createWebhook.webhook.name, createWebhook.secret);
      setName('');
      setUrl('');
      setEvents(new Set());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Add an endpoint">
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="webhook-name">Name</label>
          <input id="webhook-name" required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="webhook-url">URL (https)</label>
          <input id="webhook-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
        </div>
        <fieldset className="scopes">
          <legend>Events</legend>
          {eventTypes.map((type) => (
            <div key={type.name}>
              <label className="checkbox">
                <input
                  type="checkbox"
                  value={type.name}
                  checked={events.has(type.name)}
                  onChange={(e) => {
                    const next = new Set(events);
                    if (e.target.checked) next.add(type.name);
                    else next.delete(type.name);
                    setEvents(next);
                  }}
                />
                <code>{type.name}</code> <span className="muted">{type.description}</span>
              </label>
              <details className="schema">
                <summary>Schema of {type.name}</summary>
                <pre>{JSON.stringify(type.schema, null, 2)}</pre>
              </details>
            </div>
          ))}
        </fieldset>
        <ErrorMessage error={error} />
        <div className="actions">
          <button type="submit" disabled={busy || events.size === 0}>
            Add the endpoint
          </button>
        </div>
      </form>
    </Section>
  );
}

function WebhookDetail({ api, hook }: { api: Api; hook: Webhook }) {
  const logs = useLoad(() => api.request<{ webhookLogs: { nodes: Attempt[] } }>(LOGS, { id: hook.id }), [hook.id]);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(work: () => Promise<string>) {
    setError(null);
    setNote(null);
    try {
      setNote(await work());
      logs.reload();
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <Section title={`Attempts of ${hook.name}`}>
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            void run(async () => {
              const { testWebhook } = await api.request<{ testWebhook: { success: boolean; responseStatus: number | null; error: string | null } }>(TEST, { id: hook.id });
              return testWebhook.success ? `Test delivered: HTTP ${testWebhook.responseStatus}.` : `Test failed: ${testWebhook.error ?? `HTTP ${testWebhook.responseStatus}`}.`;
            })
          }
        >
          Send a test event
        </button>
        <button type="button" className="secondary" onClick={logs.reload}>
          Refresh
        </button>
      </div>
      {note && (
        <p role="status" data-testid="webhook-note">
          {note}
        </p>
      )}
      <ErrorMessage error={error ?? logs.error} />
      {logs.data && logs.data.webhookLogs.nodes.length === 0 && <p>No attempts yet.</p>}
      {logs.data && logs.data.webhookLogs.nodes.length > 0 && (
        <div className="scroll">
          <table aria-label="Delivery attempts">
            <thead>
              <tr>
                <th scope="col">Sent</th>
                <th scope="col">Event</th>
                <th scope="col">Attempt</th>
                <th scope="col">Answer</th>
                <th scope="col">Request and response</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {logs.data.webhookLogs.nodes.map((attempt) => (
                <tr key={attempt.id} className={attempt.success ? undefined : 'error'}>
                  <td>{formatDate(attempt.sentAt)}</td>
                  <td>{attempt.eventType}</td>
                  <td>{attempt.attempt}</td>
                  <td data-testid="attempt-answer">
                    {attempt.success ? 'OK' : 'Failed'} {attempt.responseStatus ?? ''} {attempt.error ?? ''}
                    {attempt.durationMs !== null && <span className="muted"> {attempt.durationMs} ms</span>}
                  </td>
                  <td>
                    <details>
                      <summary>Show</summary>
                      <p>Request body</p>
                      <pre>{JSON.stringify(attempt.payload, null, 2)}</pre>
                      <p>Response body</p>
                      <pre>{attempt.responseBody ?? '(none)'}</pre>
                    </details>
                  </td>
                  <td>
                    {attempt.messageId && (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() =>
                          void run(async () => {
                            const { redeliverWebhookMessage } = await api.request<{ redeliverWebhookMessage: { status: string } }>(REDELIVER, { webhookId: hook.id, messageId: attempt.messageId });
                            return `Redelivery queued (${redeliverWebhookMessage.status}).`;
                          })
                        }
                      >
                        Redeliver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
