/*
 * The small server-rendered pages of sign-in: plain HTML, no scripts, no external assets.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}main{max-width:34rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}h1{font-size:1.4rem;margin-top:0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{color:#5a6472}dd{margin:0}button{font:inherit;padding:.5rem 1rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}';

/** A whole page; `body` must already be escaped. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Trestle</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function errorPage(status: number, message: string): string {
  return page('Sign-in failed', `<h1>Sign-in failed</h1><p id="error" data-status="${status}">${escapeHtml(message)}</p><p><a href="/account">Your account</a></p>`);
}

export interface AccountView {
  name: string | null;
  email: string;
  organization: string;
  role: string;
  method: string;
}

export function accountPage(view: AccountView | null): string {
  if (!view) return page('Not signed in', '<h1>Not signed in</h1><p id="signed-out">You are not signed in.</p>');
  return page(
    'Your account',
    `<h1>Signed in</h1><dl>` +
      `<dt>Name</dt><dd id="name">${escapeHtml(view.name ?? '—')}</dd>` +
      `<dt>E-mail</dt><dd id="email">${escapeHtml(view.email)}</dd>` +
      `<dt>Organization</dt><dd id="organization">${escapeHtml(view.organization)}</dd>` +
      `<dt>Role</dt><dd id="role">${escapeHtml(view.role)}</dd>` +
      `<dt>Signed in with</dt><dd id="method">${escapeHtml(view.method.toUpperCase())}</dd>` +
      `</dl><form method="post" action="/account/sign-out"><button type="submit" id="sign-out">Sign out</button></form>`,
  );
}
