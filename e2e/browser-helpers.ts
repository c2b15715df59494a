/** Page helpers for the e2e tests: console-error collection, a live status recorder, screenshots. */
import { mkdirSync } from 'node:fs';
import type { ConsoleMessage, Page } from 'playwright-core';

export const SCREENSHOT_DIR = 'docs/screenshots';

/**
 * Runs in every page before the app: records each call row's status badge as it changes (a
 * MutationObserver sees every commit React makes, however briefly a status is shown), and marks the
 * document so a reload would be noticed.
 */
export const PAGE_INIT_SCRIPT = `(() => {
  window.__documentId = Math.random().toString(36).slice(2);
  window.__statusLog = {};
  const scan = () => {
    for (const row of document.querySelectorAll('tr[data-call-id]')) {
      const badge = row.querySelector('[data-status]');
      if (!badge) continue;
      const id = row.getAttribute('data-call-id');
      const status = badge.getAttribute('data-status');
      const log = (window.__statusLog[id] = window.__statusLog[id] || []);
      if (log[log.length - 1] !== status) log.push(status);
    }
  };
  new MutationObserver(scan).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'],
  });
})();`;

/** The statuses a page has shown for a call's row, in order. */
export function statusLog(page: Page, callId: string): Promise<string[]> {
  return page.evaluate(`window.__statusLog[${JSON.stringify(callId)}] || []`);
}

/** An id of the current document: unchanged unless the page was reloaded or navigated away. */
export function documentId(page: Page): Promise<string> {
  return page.evaluate('window.__documentId');
}

/** Network answers the app expects to get (and handles), which Chromium still logs as errors. */
export interface ExpectedFailure {
  status: number;
  /** The end of the request URL's path. */
  path: string | RegExp;
}

/** Collects console errors and uncaught exceptions of `page` into `errors`. */
export function collectErrors(page: Page, errors: string[], expected: ExpectedFailure[] = []): void {
  const isExpected = (msg: ConsoleMessage) => {
    const match = /^Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text());
    if (!match) return false;
    const path = new URL(msg.location().url).pathname;
    return expected.some(
      (e) =>
        e.status === Number(match[1]) &&
        (typeof e.path === 'string' ? path.endsWith(e.path) : e.path.test(path)),
    );
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !isExpected(msg)) errors.push(`${page.url()}: console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${page.url()}: uncaught: ${err.message}`));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, animations: 'disabled', caret: 'hide' });
}

/** True when `wanted` appears in `seen` in this order (other entries may sit between). */
export function inOrder(seen: string[], wanted: string[]): boolean {
  let i = 0;
  for (const s of seen) if (s === wanted[i]) i++;
  return i === wanted.length;
}
