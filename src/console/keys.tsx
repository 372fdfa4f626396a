import { useState, type FormEvent } from 'react';
import { SCOPES } from '../platform/auth/scopes.js';
import type { Api } from './api.js';
import { ErrorMessage, formatDate, SecretOnce, Section, useLoad } from './ui.js';

/*
 * API keys: the list (never a secret), create with scopes (the secret is shown once, with a copy
 * button), revoke after a confirmation. The server refuses scopes the person does not hold.
 */

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  status: string;
  environment: string;
  rateLimit: number;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

const KEY = 'id name prefix scopes status environment rateLimit createdAt lastUsedAt expiresAt';
const LIST = `{ apiKeys(first: 100) { nodes { ${KEY} } } }`;
const CREATE = `mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { plaintextKey apiKey { ${KEY} } } }`;
const REVOKE = `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { ${KEY} } }`;

/** Scopes a key may carry, `*` aside (it would outgrow the person's own role). */
const KEY_SCOPES = Object.entries(SCOPES).filter(([scope]) => scope !== '*');

export function KeysPage({ api }: { api: Api }) {
  const keys = useLoad(() => api.request<{ apiKeys: { nodes: ApiKey[] } }>(LIST), []);
  const [secret, setSecret] = useState<{ name: string; plaintext: string } | null>(null);
  return (
    <>
      <CreateKey
        api={api}
        onCreated={(name, plaintext) => {
          setSecret({ name, plaintext });
          keys.reload();
        }}
      />
      {secret && <SecretOnce title={`Key “${secret.name}” created`} plaintext={secret.plaintext} onDone={() => setSecret(null)} />}
      <Section title="Keys">
        <ErrorMessage error={keys.error} />
        {keys.data && <KeyTable api={api} keys={keys.data.apiKeys.nodes} onChange={keys.reload} />}
      </Section>
    </>
  );
}

function CreateKey({ api, onCreated }: { api: Api; onCreated: (name: string, plaintext: string) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set());
  const [environment, setEnvironment] = useState('LIVE');
  const [rateLimit, setRateLimit] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = { name, scopes: [...scopes], environment, ...(rateLimit ? { rateLimit: Number(rateLimit) } : {}) };
      const { createApiKey } = await api.request<{ createApiKey: { plaintextKey: string; apiKey: ApiKey } }>(CREATE, { input });
      onCreated(createApiKey.apiKey.name, createApiKey.plaintextKey);
      setName('');
      setScopes(new Set());
      setRateLimit('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Create a key">
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {KEY_SCOPES.map(([scope, description]) => (
            <label key={scope} className="checkbox">
              <input
                type="checkbox"
                value={scope}
                checked={scopes.has(scope)}
                onChange={(e) => {
                  const next = new Set(scopes);
                  if (e.target.checked) next.add(scope);
                  else next.delete(scope);
                  setScopes(next);
                }}
              />
              <code>{scope}</code> <span className="muted">{description}</span>
            </label>
          ))}
        </fieldset>
        <div className="row">
          <div className="field">
            <label htmlFor="key-environment">Environment</label>
            <select id="key-environment" value={environment} onChange={(e) => setEnvironment(e.target.value)}>
              <option value="LIVE">Live</option>
              <option value="TEST">Test</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="key-rate-limit">Requests per hour (empty: the default)</label>
            <input id="key-rate-limit" type="number" min={1} value={rateLimit} onChange={(e) => setRateLimit(e.target.value)} />
          </div>
        </div>
        <ErrorMessage error={error} />
        <div className="actions">
          <button type="submit" disabled={busy || scopes.size === 0}>
            Create the key
          </button>
        </div>
      </form>
    </Section>
  );
}

function KeyTable({ api, keys, onChange }: { api: Api; keys: ApiKey[]; onChange: () => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (keys.length === 0) return <p>No keys yet.</p>;
  async function revoke(id: string) {
    setError(null);
    try {
      await api.request(REVOKE, { id });
      setConfirming(null);
      onChange();
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <>
      <ErrorMessage error={error} />
      <div className="scroll">
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scopes</th>
              <th scope="col">Status</th>
              <th scope="col">Last used</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-key-id={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scopes.join(' ')}</td>
                <td data-testid="key-status">{key.status}</td>
                <td>{formatDate(key.lastUsedAt)}</td>
                <td>{formatDate(key.createdAt)}</td>
                <td>
                  {key.status === 'ACTIVE' || key.status === 'ROTATING' ? (
                    confirming === key.id ? (
                      <span className="confirm">
                        <button type="button" className="danger" onClick={() => void revoke(key.id)}>
                          Revoke “{key.name}” now
                        </button>
                        <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                          Keep it
                        </button>
                      </span>
                    ) : (
                      <button type="button" className="secondary" onClick={() => setConfirming(key.id)}>
                        Revoke…
                      </button>
                    )
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
