/*
 * Server-rendered pages of the authorization flow: sign-in, organization choice, consent and
 * errors. Plain HTML and a little inline CSS; no script and no external asset.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.3rem;margin:0 0 1rem}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=email],input[type=password],select{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #b9bfcc;border-radius:4px;font-size:1rem}
button{margin-top:1.2rem;padding:.6rem 1.2rem;border:0;border-radius:4px;font-size:1rem;cursor:pointer;background:#1f5fbf;color:#fff}
button.secondary{background:#e3e6ec;color:#1d2330;margin-left:.5rem}
.error{background:#fdecec;color:#8c1c1c;padding:.6rem;border-radius:4px}
.warning{background:#fff4d6;color:#5c3d00;padding:.6rem;border-radius:4px;border:1px solid #e0b84c}
ul{padding-left:1.2rem}li{margin:.3rem 0}code{font-size:.9em}
.muted{color:#5b6475;font-size:.9rem}
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function renderLoginPage(input: { action: string; csrf: string; clientName: string; email?: string; error?: string }): string {
  return page(
    'Sign in',
    `<h1>Sign in to continue to ${escapeHtml(input.clientName)}</h1>` +
      (input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '') +
      `<form method="post" action="${escapeHtml(input.action)}" autocomplete="on">` +
      `<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">` +
      `<label for="email">E-mail</label><input id="email" type="email" name="email" required autofocus value="${escapeHtml(input.email ?? '')}">` +
      `<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password">` +
      `<p class="muted">If your organization signs in with single sign-on, leave the password empty.</p>` +
      `<button type="submit" id="sign-in">Sign in</button></form>`,
  );
}

export function renderOrganizationPage(input: { action: string; csrf: string; ticket: string; organizations: Array<{ id: number; name: string }> }): string {
  const options = input.organizations.map((o) => `<option value="${o.id}">${escapeHtml(o.name)}</option>`).join('');
  return page(
    'Choose an organization',
    `<h1>Which organization are you signing in for?</h1>` +
      `<form method="post" action="${escapeHtml(input.action)}">` +
      `<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}"><input type="hidden" name="ticket" value="${escapeHtml(input.ticket)}">` +
      `<label for="organization">Organization</label><select id="organization" name="organization">${options}</select>` +
      `<button type="submit" id="continue">Continue</button></form>`,
  );
}

export function renderConsentPage(input: {
  action: string;
  csrf: string;
  clientName: string;
  /** The organization that registered the app. */
  clientOrganization: string;
  /** The app was registered by another organization than the one the person signs in for. */
  fromAnotherOrganization: boolean;
  /** Where the browser goes after the decision (the redirect URI's host). */
  redirectHost: string;
  organizationName: string;
  scopes: Array<{ name: string; description: string }>;
  withheld: Array<{ name: string; description: string }>;
}): string {
  // Plain words first; the scope's technical name after it, for those who know it.
  const list = (items: Array<{ name: string; description: string }>) =>
    `<ul>${items.map((s) => `<li>${escapeHtml(s.description)} <code class="muted">${escapeHtml(s.name)}</code></li>`).join('')}</ul>`;
  const publisher = input.fromAnotherOrganization
    ? `<p class="warning" id="publisher" role="alert"><strong>From another organization:</strong> this app was registered by ` +
      `<strong>${escapeHtml(input.clientOrganization)}</strong>, not by ${escapeHtml(input.organizationName)}. ` +
      `Its name is chosen by its publisher; allow it only if you expected it.</p>`
    : `<p id="publisher">Registered by your organization, <strong>${escapeHtml(input.clientOrganization)}</strong>.</p>`;
  return page(
    'Authorize access',
    `<h1>${escapeHtml(input.clientName)} wants access to your data in ${escapeHtml(input.organizationName)}</h1>` +
      publisher +
      (input.scopes.length ? `<p>It asks to:</p>${list(input.scopes)}` : '<p>It asks for no access to your data beyond your identity.</p>') +
      (input.withheld.length ? `<p class="muted">Not granted (your role does not allow them):</p>${list(input.withheld)}` : '') +
      `<p id="redirect-host">Afterwards you will be sent to <strong>${escapeHtml(input.redirectHost)}</strong>.</p>` +
      `<form method="post" action="${escapeHtml(input.action)}">` +
      `<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">` +
      `<button type="submit" name="decision" value="approve" id="approve">Allow</button>` +
      `<button type="submit" name="decision" value="deny" id="deny" class="secondary">Deny</button></form>`,
  );
}

export function renderErrorPage(error: string, description: string): string {
  return page('Something went wrong', `<h1>This request could not be completed</h1><p class="error">${escapeHtml(error)}: ${escapeHtml(description)}</p>`);
}
