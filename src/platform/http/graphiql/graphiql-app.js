// Browser entry of the GraphiQL page. Bundled by scripts/build-graphiql.mjs with
// esbuild only: plain JS (no JSX) so that neither tsc nor the build needs a JSX setup.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { headerFreeStorage, scrubExisting } from './graphiql-storage.js';
// Not 'graphiql/style.css': that file is meant for CDN use and also carries all of
// Monaco's CSS, which Monaco's own modules already import into this bundle. These
// are its remaining parts, in the same order.
import '@graphiql/react/font/roboto.css';
import '@graphiql/react/font/fira-code.css';
import '@graphiql/react/style.css';
import '@graphiql/plugin-history/style.css';
import '@graphiql/plugin-doc-explorer/style.css';
import 'graphiql/graphiql.css';

/* global __GRAPHIQL_WORKER_FILES__ -- { editor, json, graphql } hashed file names, injected by the build */
const workerFiles = __GRAPHIQL_WORKER_FILES__;

// Worker files sit next to this script, so resolve them against its own URL.
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = workerFiles[label] ?? workerFiles.editor;
    return new Worker(new URL(file, import.meta.url), { type: 'module' });
  },
};

const DEFAULT_QUERY = `query Viewer {
  viewer {
    organization {
      id
      name
    }
    scopes
  }
}
`;

const DEFAULT_HEADERS = `{
  "Authorization": "Bearer <your API key>"
}
`;

const container = document.getElementById('graphiql');
const url = new URL(container.dataset.endpoint, location.href);
const subscriptionUrl = new URL(url);
subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';

// For subscriptions the toolkit opens a graphql-ws client per operation whose
// connection_init payload is the parsed headers editor, e.g. { "Authorization": "Bearer …" }.
const toolkitFetcher = createGraphiQLFetcher({ url: url.href, subscriptionUrl: subscriptionUrl.href });

// The server rejects the placeholder key as malformed (401). So while the Authorization header
// still holds the untouched placeholder, send none: an operation needing a key then gets the
// server's plain "send an API key" error. The toolkit takes these headers both for HTTP and for
// graphql-ws connection_init.
const PLACEHOLDER_KEY = '<your API key>';

function withoutPlaceholderKey(headers) {
  if (headers === null || typeof headers !== 'object') return headers;
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name, value]) => !(name.toLowerCase() === 'authorization' && typeof value === 'string' && value.includes(PLACEHOLDER_KEY)),
    ),
  );
}

// The credential in the headers editor's text: the Authorization or X-API-Key value, '' when
// there is none (or only the placeholder), undefined while the text is not valid JSON (mid-edit).
function credentialIn(text) {
  let headers;
  try {
    headers = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (headers === null || typeof headers !== 'object') return '';
  const sent = withoutPlaceholderKey(headers);
  const found = Object.entries(sent).find(([name, value]) => ['authorization', 'x-api-key'].includes(name.toLowerCase()) && typeof value === 'string' && value.trim());
  return found ? found[1].trim() : '';
}

scrubExisting(localStorage);
const storage = headerFreeStorage(localStorage);

// Introspection needs a credential (unless the server sets INTROSPECTION_PUBLIC). With none
// entered, GraphiQL is given no schema and does not introspect; each time the credential changes
// it gets a new fetcher, and GraphiQL introspects again with the headers now in the editor.
// The headers editor closes quotes and braces as one types, so the text is valid JSON after nearly
// every keystroke: the credential is taken once typing pauses, or each partial key would be
// introspected with (401), and an answer arriving late could leave GraphiQL with the error.
const CREDENTIAL_SETTLE_MS = 400;

function App() {
  const [credential, setCredential] = useState('');
  const settle = useRef(undefined);
  const fetcher = useMemo(
    () => (params, options) => toolkitFetcher(params, options && { ...options, headers: withoutPlaceholderKey(options.headers) }),
    [credential],
  );
  return createElement(GraphiQL, {
    fetcher,
    schema: credential ? undefined : null,
    onEditHeaders: (text) => {
      clearTimeout(settle.current);
      settle.current = setTimeout(() => {
        const next = credentialIn(text);
        if (next !== undefined) setCredential(next);
      }, CREDENTIAL_SETTLE_MS);
    },
    defaultQuery: DEFAULT_QUERY,
    defaultHeaders: DEFAULT_HEADERS,
    isHeadersEditorEnabled: true,
    // Open the headers tab so users see where the API key goes.
    defaultEditorToolsVisibility: 'headers',
    // Keep API keys out of localStorage: the headers editor is not saved (GraphiQL's default),
    // and the storage drops headers from everything else GraphiQL saves (history, favorites).
    shouldPersistHeaders: false,
    storage,
  });
}

createRoot(container).render(createElement(App));
