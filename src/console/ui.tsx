import { useEffect, useState, type ReactNode } from 'react';
import { messageOf } from './api.js';

/** A problem to show, announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p className="error" role="alert">
      {messageOf(error)}
    </p>
  );
}

/** Runs `load` on mount and when `deps` change; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function formatDate(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : '—';
}

/** A secret the server shows once (an API key, a webhook signing secret), with a copy button. */
export function SecretOnce({ title, plaintext, onDone }: { title: string; plaintext: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <section className="card secret" aria-label={title}>
      <h2>{title}</h2>
      <p>Copy it now: it is never shown again.</p>
      <p>
        <code data-testid="new-secret">{plaintext}</code>
      </p>
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard.writeText(plaintext).then(
              () => setCopied('Copied to the clipboard.'),
              () => setCopied('The browser did not allow copying: select the key and copy it.'),
            )
          }
        >
          Copy
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          I have stored it
        </button>
      </div>
      {copied && <p role="status">{copied}</p>}
    </section>
  );
}
