import { useEffect, useState } from 'react';
import type { Api } from './api.js';
import type { Auth } from './auth.js';
import { ImportWizard } from './imports.js';
import { KeysPage } from './keys.js';
import { WebhooksPage } from './webhooks.js';
import { ErrorMessage, useLoad } from './ui.js';

interface Viewer {
  viewer: { label: string; scopes: string[]; organization: { name: string } };
}

const PAGES = [
  { route: '#/imports', title: 'Import' },
  { route: '#/keys', title: 'API keys' },
  { route: '#/webhooks', title: 'Webhooks' },
] as const;

function currentRoute(): string {
  return PAGES.some((p) => p.route === location.hash) ? location.hash : PAGES[0].route;
}

export function App({ auth, api, signInProblem }: { auth: Auth; api: Api; signInProblem: string | null }) {
  const [route, setRoute] = useState(currentRoute);
  const [, setSignedOut] = useState(false);
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const viewer = useLoad(() => (auth.signedIn ? api.request<Viewer>('{ viewer { label scopes organization { name } } }') : Promise.resolve(undefined)), []);

  if (!auth.signedIn) {
    return (
      <main className="signed-out">
        <h1>Trestle console</h1>
        {signInProblem ? <ErrorMessage error={signInProblem} /> : <p>You are signed out.</p>}
        <button type="button" onClick={() => void auth.signIn(true)}>
          Sign in
        </button>
      </main>
    );
  }

  const page = PAGES.find((p) => p.route === route)!;
  return (
    <>
      <header className="top">
        <span className="brand">Trestle console</span>
        <nav aria-label="Console pages">
          {PAGES.map((p) => (
            <a key={p.route} href={p.route} aria-current={p.route === route ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="organization">
          {viewer.data?.viewer.organization.name ?? ''}
        </span>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            api.close();
            // The signed-out page's button asks /oauth for the sign-in page again (prompt=login).
            void auth.signOut().then(() => setSignedOut(true));
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <h1>{page.title}</h1>
        <ErrorMessage error={viewer.error} />
        {route === '#/keys' ? <KeysPage api={api} /> : route === '#/webhooks' ? <WebhooksPage api={api} /> : <ImportWizard api={api} />}
      </main>
    </>
  );
}
