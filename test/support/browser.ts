import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/*
 * Headless Chromium from Debian's package, driven by playwright-core. Browser suites skip, with
 * a visible message, where it is absent (`apt-get install -y chromium`; .ci/run installs it).
 */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is there; warns once per suite when it is not. */
export function chromiumAvailable(suite: string): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) console.warn(`${suite}: ${CHROMIUM} not found, skipping the browser checks (apt-get install -y chromium).`);
  return present;
}

/** Flags that keep Chromium from calling home on a machine with no network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** GraphiQL's Monaco editors, by selector. */
export const QUERY_EDITOR = '.graphiql-query-editor .monaco-editor';
export const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor';
export const RESPONSE = '.graphiql-response .monaco-editor';

/** Visible text of a Monaco editor (Monaco renders spaces as &nbsp;). */
export async function editorText(page: Page, editor: string): Promise<string> {
  return (await page.locator(`${editor} .view-lines`).innerText()).replaceAll('\u00a0', ' ');
}

/** Replaces an editor's contents the way a user would: click, select all, delete, type. */
export async function typeInto(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(`${editor} .view-lines`).click();
  await page.keyboard.press('ControlOrMeta+A');
  // Typing "{" over a selection would make Monaco wrap the selection, not replace it.
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
}
