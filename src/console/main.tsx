// Browser entry of the console (bundled by scripts/build-console.mjs).
import { createRoot } from 'react-dom/client';
import { Api } from './api.js';
import { App } from './App.js';
import { Auth, type ConsoleSettings } from './auth.js';
import './console.css';

const container = document.getElementById('console')!;
const settings: ConsoleSettings = {
  clientId: container.dataset['clientId'] ?? '',
  scopes: container.dataset['scopes'] ?? '',
  redirectUri: container.dataset['redirectUri'] ?? '',
  oauth: container.dataset['oauth'] ?? '/oauth',
  graphql: container.dataset['graphql'] ?? '/graphql',
};
const auth = new Auth(settings);
const api = new Api(settings.graphql, auth);
const root = createRoot(container);

async function start(): Promise<void> {
  let problem: string | null = null;
  try {
    await auth.completeSignIn();
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  // Not signed in (first visit, reload): straight to /oauth, which comes back at once when the
  // browser still has its sign-in session.
  if (!auth.signedIn && problem === null) {
    await auth.signIn();
    return;
  }
  root.render(<App auth={auth} api={api} signInProblem={problem} />);
}

void start();
