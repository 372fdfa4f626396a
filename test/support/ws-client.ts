import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export interface Subscribed<T> {
  /** Resolves with the next event (or rejects with the subscription's errors). */
  next(timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** A graphql-ws client authenticated the way GraphiQL does it: headers in connection_init. */
export function wsClient(url: string, connectionParams: Record<string, string>): Client {
  return createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

/** Subscribes and buffers events; the subscription is live once the first event can arrive. */
export function subscribe<T, V extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables?: V,
): Subscribed<T> {
  const events: Array<{ data?: T; error?: unknown }> = [];
  const waiters: Array<(e: { data?: T; error?: unknown }) => void> = [];
  const deliver = (event: { data?: T; error?: unknown }) => {
    const waiter = waiters.shift();
    if (waiter) waiter(event);
    else events.push(event);
  };
  const dispose = client.subscribe<T>(
    { query: print(document), variables: variables ?? {} },
    {
      next: (result) => deliver(result.errors ? { error: result.errors } : { data: result.data as T }),
      error: (error) => deliver({ error }),
      complete: () => undefined,
    },
  );
  return {
    next(timeoutMs = 5000) {
      const ready = events.shift();
      const pending = ready
        ? Promise.resolve(ready)
        : new Promise<{ data?: T; error?: unknown }>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('no event within timeout')), timeoutMs);
            waiters.push((e) => {
              clearTimeout(timer);
              resolve(e);
            });
          });
      return pending.then((e) => {
        // Rethrown as graphql-ws reported it (a CloseEvent or GraphQL errors) so tests can match on it.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (e.error !== undefined) throw e.error;
        return e.data as T;
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}
