import { createClient, type Client } from 'graphql-ws';
import { SignInError, type Auth } from './auth.js';

/*
 * The console's GraphQL client: plain fetch over HTTP with the person's bearer token, the GraphQL
 * multipart request for uploads, graphql-ws for subscriptions. A request that answers
 * UNAUTHENTICATED refreshes the token once and is sent again.
 */

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly errors: readonly GraphQLErrorBody[] = [],
  ) {
    super(message);
  }
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

export class Api {
  private ws: Client | null = null;

  constructor(
    private readonly endpoint: string,
    private readonly auth: Auth,
  ) {}

  request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return this.send<T>(() => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) }));
  }

  /**
   * An operation with one file at `variables.<path>` (GraphQL multipart request spec). The browser
   * streams the File from disk into the request: the page never reads it into memory.
   */
  upload<T>(query: string, variables: Record<string, unknown>, filePath: string, file: File): Promise<T> {
    return this.send<T>(() => {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables }));
      form.append('map', JSON.stringify({ 0: [`variables.${filePath}`] }));
      form.append('0', file, file.name);
      // Apollo's CSRF prevention: a request a plain HTML form could not send.
      return { headers: { 'apollo-require-preflight': 'true' }, body: form };
    });
  }

  /** Events of a subscription until it completes or `stop()` is called. */
  subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void, onError: (error: ApiError) => void): () => void {
    this.ws ??= createClient({
      url: new URL(this.endpoint, location.href.replace(/^http/, 'ws')).href,
      lazy: true,
      // Read for each new connection, so a reconnect carries the current (refreshed) token.
      connectionParams: async () => ({ Authorization: `Bearer ${await this.auth.accessToken()}` }),
    });
    return this.ws.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) onError(toApiError(result.errors));
          else if (result.data) onData(result.data);
        },
        error: (error) => onError(error instanceof ApiError ? error : new ApiError('The live connection was lost. Reload the page to follow the job again.', 'CONNECTION')),
        complete: () => undefined,
      },
    );
  }

  close(): void {
    void this.ws?.dispose();
    this.ws = null;
  }

  private async send<T>(build: () => { headers: Record<string, string>; body: BodyInit }, retried = false): Promise<T> {
    const token = await this.auth.accessToken();
    const { headers, body } = build();
    let response: Response;
    try {
      response = await fetch(this.endpoint, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body });
    } catch {
      throw new ApiError('The server could not be reached. Check the connection and try again.', 'NETWORK');
    }
    const parsed = (await response.json().catch(() => null)) as GraphQLBody<T> | null;
    if (!parsed) throw new ApiError(`The server answered HTTP ${response.status}`, 'HTTP');
    if (parsed.errors?.length) {
      const error = toApiError(parsed.errors);
      if (error.code === 'UNAUTHENTICATED' && !retried) {
        await this.auth.refresh().catch((cause: unknown) => {
          throw cause instanceof SignInError ? cause : error;
        });
        return this.send(build, true);
      }
      throw error;
    }
    return parsed.data as T;
  }
}

function toApiError(errors: readonly GraphQLErrorBody[]): ApiError {
  const first = errors[0]!;
  return new ApiError(first.message, first.extensions?.code, errors);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
