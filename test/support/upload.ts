import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { GraphQLResponse } from './test-app.js';

/**
 * Sends an operation with one file, as a GraphQL multipart request
 * (github.com/jaydenseric/graphql-multipart-request-spec): the operation with the file
 * variable set to null, a map naming where the file goes, then the file.
 */
export async function executeWithFile<T, V extends { input: Record<string, unknown> }>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  file: { name: string; content: Buffer | string },
  options: { key?: string; preflight?: boolean } = {},
): Promise<GraphQLResponse<T>> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(document), variables: { ...variables, input: { ...variables.input, file: null } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', new Blob([file.content]), file.name);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...(options.preflight === false ? {} : { 'apollo-require-preflight': 'true' }),
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
    },
    body: form,
  });
  const text = await response.text();
  let body: { data?: T | null; errors?: GraphQLResponse<T>['errors'] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** Polls until `check` returns a value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
