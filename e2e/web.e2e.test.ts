/**
 * The web app in Chromium against the real server, job runtime and Bolna simulator: a new user signs
 * up, creates an agent, starts a call from the New call dialog and watches it go initiated → ringing
 * → in progress → completed in two tabs without reloading; the call's page shows the transcript and
 * plays the recording; another organization's user gets "not found". Every page is screenshotted
 * into docs/screenshots/. No console error is allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../test/app.js';
import { findChromium, launchChromium, NO_CHROMIUM } from './chromium.js';
import {
  collectErrors,
  documentId,
  inOrder,
  PAGE_INIT_SCRIPT,
  screenshot,
  statusLog,
  type ExpectedFailure,
} from './browser-helpers.js';
import { seedHistory } from './seed.js';

const CHROMIUM = findChromium();
if (!CHROMIUM) console.log(`[e2e] Skipping the browser tests: ${NO_CHROMIUM}.`);
const suite = CHROMIUM ? describe : describe.skip;

const PASSWORD = 'correct horse battery staple';
const TO_NUMBER = '+919876543210';

suite(CHROMIUM ? 'web app in Chromium' : `web app in Chromium (skipped: ${NO_CHROMIUM})`, () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  // Signed out, the app asks who is signed in and gets a 401: expected, and handled.
  const expected: ExpectedFailure[] = [{ status: 401, path: '/api/auth/me' }];
  const ids = { orgId: '', agentId: '', callId: '' };
  let invitationLink = '';

  beforeAll(async () => {
    t = await startTestApp({
      listen: true,
      // Each status stays on screen for a few hundred milliseconds at least; a call lasts ~10 s.
      // Some webhooks arrive twice: the timeline shows them as duplicates that changed nothing.
      simulator: {
        seed: 42,
        timeScale: 0.15,
        completedDelayMs: 8_000,
        outcomes: { completed: 1 },
        webhookDuplicateRate: 0.5,
      },
    });
    browser = await launchChromium(CHROMIUM!);
    context = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: PAGE_INIT_SCRIPT });
    page = await context.newPage();
    collectErrors(page, errors, expected);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the app for page URLs and keeps JSON 404s for unknown API routes and assets', async () => {
    const html = await fetch(`${t.url}/calls/123`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<div id="root">');
    const api = await fetch(`${t.url}/api/nope`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: string }).error).toBe('not_found');
    const asset = await fetch(`${t.url}/assets/missing.js`);
    expect(asset.status).toBe(404);
  });

  it('signs a new user up', async () => {
    await page.goto('/calls');
    await page.waitForURL(/\/login\?next=%2Fcalls$/);
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await screenshot(page, 'login');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Must be at least 10 characters.').waitFor();
    await page.getByLabel('Your name').fill('Asha Rao');
    await page.getByLabel('Work email').fill(`asha-${Date.now()}@example.test`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Organization name').fill('Acme Clinics');
    await screenshot(page, 'signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/calls$/);
    await page.getByRole('heading', { name: 'Calls', exact: true }).waitFor();
    await page.getByText('No calls yet').waitFor();
  });

  it('creates an agent, checking the from-number as E.164', async () => {
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('button', { name: 'Create your first agent' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Appointment desk');
    await page.getByLabel('Welcome message').fill('Hello {name}, this is Asha from Acme Clinics.');
    await page
      .getByLabel('System prompt')
      .fill('You confirm appointments politely and briefly. Offer to reschedule when needed.');
    await page.getByLabel(/Default from-number/).fill('080 3573 8463');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByText(/Must be an E\.164 phone number/).waitFor();
    await page.getByLabel(/Default from-number/).fill('+91 80357 38463');
    await page.getByRole('button', { name: 'Create agent' }).click();
    const row = page.getByRole('row', { name: /Appointment desk/ });
    await row.getByText('Synced').waitFor();
    await row.getByText('Receiving').waitFor();

    const me = (await (await page.request.get('/api/auth/me')).json()) as { organizations: { id: string }[] };
    ids.orgId = me.organizations[0]!.id;
    const agents = (await (await page.request.get(`/api/orgs/${ids.orgId}/agents`)).json()) as {
      data: { id: string }[];
    };
    ids.agentId = agents.data[0]!.id;
  });

  it('starts a call from the New call dialog and follows it live to completed in two tabs', async () => {
    // Weeks of finished calls, so the history and the dashboard look lived-in.
    await seedHistory(t.app, ids.orgId, ids.agentId);
    await page.goto('/calls');
    await page.locator('tr[data-call-id]').first().waitFor();
    const second = await context.newPage();
    collectErrors(second, errors, expected);
    await second.goto('/calls');
    await second.locator('tr[data-call-id]').first().waitFor();
    const documents = [await documentId(page), await documentId(second)];

    await page.getByRole('button', { name: 'New call' }).click();
    const dialog = page.getByRole('dialog', { name: 'New call' });
    await dialog.getByLabel('Phone number').fill('98765 43210');
    await dialog.getByRole('button', { name: 'Start call' }).click();
    await dialog.getByText(/Must be an E\.164 phone number: a plus sign/).waitFor();
    await dialog.getByLabel('Phone number').fill(TO_NUMBER);
    await dialog.getByRole('button', { name: 'Add variable' }).click();
    await dialog.getByLabel('Variable 1 name').fill('name');
    await dialog.getByLabel('Variable 1 value').fill('Ravi');
    await screenshot(page, 'new-call-dialog');

    const started = page.waitForResponse(
      (r) => r.url().endsWith('/calls') && r.request().method() === 'POST',
    );
    await dialog.getByRole('button', { name: 'Start call' }).click();
    const response = await started;
    expect(response.status()).toBe(201);
    ids.callId = ((await response.json()) as { id: string }).id;
    await dialog.waitFor({ state: 'detached' });

    for (const tab of [page, second]) {
      await tab
        .locator(`tr[data-call-id="${ids.callId}"] [data-status="completed"]`)
        .waitFor({ timeout: 60_000 });
    }
    for (const [i, tab] of [page, second].entries()) {
      const seen = await statusLog(tab, ids.callId);
      console.log(`[e2e] tab ${i + 1} showed: ${seen.join(' → ')}`);
      expect(seen, `statuses shown: ${seen.join(' → ')}`).toSatisfy((s: string[]) =>
        inOrder(s, ['initiated', 'ringing', 'in_progress', 'completed']),
      );
      expect(seen[0]).toBe('initiated');
      expect(seen.at(-1)).toBe('completed');
    }
    expect([await documentId(page), await documentId(second)]).toEqual(documents);
    const row = page.locator(`tr[data-call-id="${ids.callId}"]`);
    await expect.poll(() => row.locator('td[data-label="Cost"]').innerText()).toMatch(/^\$\d/);
    await second.close();
    await screenshot(page, 'calls');
  });

  it("shows the call's transcript and plays its recording", async () => {
    await page.locator(`tr[data-call-id="${ids.callId}"] a`).first().click();
    await page.waitForURL(new RegExp(`/calls/${ids.callId}$`));
    const turns = page.locator('.transcript .turn');
    await turns.first().waitFor();
    expect(await turns.count()).toBeGreaterThan(1);
    await expect
      .poll(() => turns.first().innerText())
      .toContain('Hello Ravi, this is Asha from Acme Clinics.');
    await page.getByRole('heading', { name: 'Status timeline' }).waitFor();
    await page.locator('.timeline-item').first().waitFor();
    // The simulator sent some webhooks twice: each copy is listed, marked as a duplicate.
    expect(await page.locator('.timeline-item').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('.timeline-duplicate').count()).toBeGreaterThan(0);
    await page.locator('.timeline-duplicate').first().getByText('Duplicate').waitFor();

    const audio = page.locator('audio');
    await audio.waitFor();
    const playback = (await page.evaluate(`(async () => {
      const audio = document.querySelector('audio');
      await audio.play();
      const started = performance.now();
      while (audio.currentTime === 0 && performance.now() - started < 5000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const result = { readyState: audio.readyState, currentTime: audio.currentTime, duration: audio.duration };
      audio.pause();
      audio.currentTime = 0;
      return result;
    })()`)) as { readyState: number; currentTime: number; duration: number };
    expect(playback.readyState).toBeGreaterThanOrEqual(2);
    expect(playback.currentTime).toBeGreaterThan(0);
    expect(playback.duration).toBeGreaterThan(1);
    await screenshot(page, 'call-detail');
  });

  it('tells a user of another organization that the call is not found', async () => {
    const other = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 800 } });
    try {
      const signup = await other.request.post('/api/auth/signup', {
        data: {
          email: `other-${Date.now()}@example.test`,
          password: PASSWORD,
          name: 'Mallory',
          organizationName: 'Other Co',
        },
      });
      expect(signup.status()).toBe(201);
      const foreign = await other.newPage();
      collectErrors(foreign, errors, [...expected, { status: 404, path: `/calls/${ids.callId}` }]);
      await foreign.goto(`/calls/${ids.callId}`);
      await foreign.getByRole('heading', { name: 'Call not found', level: 3 }).waitFor();
      expect(await foreign.getByText(TO_NUMBER).count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('shows the dashboard, agents and settings (screenshots), and the history at phone width', async () => {
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await page.getByText('Latest calls').waitFor();
    await screenshot(page, 'dashboard');

    const second = await page.request.post(`/api/orgs/${ids.orgId}/agents`, {
      data: {
        name: 'Payment reminders',
        welcomeMessage: 'Namaste {name}, this is a reminder from Acme Clinics.',
        language: 'hi-IN',
        voice: 'Maya',
        llmModel: 'gpt-4o-mini',
      },
    });
    expect(second.status()).toBe(201);
    await page.goto('/agents');
    await page.getByRole('row', { name: /Payment reminders/ }).waitFor();
    await page.getByRole('row', { name: /Appointment desk/ }).waitFor();
    await screenshot(page, 'agents');

    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Email').fill('ravi@acme.example');
    await page.getByLabel('Role', { exact: true }).first().selectOption('viewer');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    await page.getByLabel('Invitation link').waitFor();
    invitationLink = await page.getByLabel('Invitation link').inputValue();
    await page.getByRole('heading', { name: 'Members', exact: true }).scrollIntoViewIfNeeded();
    await screenshot(page, 'settings');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/calls');
    await page.locator(`tr[data-call-id="${ids.callId}"]`).waitFor();
    await screenshot(page, 'calls-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('lets an invited viewer join, and shows a viewer no write buttons', async () => {
    expect(invitationLink).toMatch(/\/invite\/[\w-]+$/);
    const viewer = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 800 } });
    try {
      const tab = await viewer.newPage();
      collectErrors(tab, errors, expected);
      await tab.goto(new URL(invitationLink).pathname);
      await tab.getByRole('heading', { name: 'Join Acme Clinics' }).waitFor();
      await tab.getByLabel('Your name').fill('Ravi Kumar');
      await tab.getByLabel('Choose a password').fill(PASSWORD);
      await screenshot(tab, 'invite');
      await tab.getByRole('button', { name: 'Create account and join' }).click();
      await tab.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();
      await tab.getByText('Viewer', { exact: true }).waitFor();
      expect(await tab.getByRole('button', { name: 'New call' }).count()).toBe(0);

      await tab.getByRole('link', { name: 'Calls', exact: true }).click();
      await tab.locator(`tr[data-call-id="${ids.callId}"]`).waitFor();
      expect(await tab.getByRole('button', { name: 'New call' }).count()).toBe(0);
      expect(await tab.getByRole('button', { name: /^Delete call/ }).count()).toBe(0);
      // Keyset pages of 50: 140 seeded calls and the live one are three pages, then the end.
      const rows = tab.locator('tr[data-call-id]');
      await expect.poll(() => rows.count()).toBe(50);
      await tab.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => rows.count()).toBe(100);
      await tab.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => rows.count()).toBe(141);
      await tab.getByText(/end of history/).waitFor();

      await tab.getByRole('link', { name: 'Agents', exact: true }).click();
      // The calls table (whose rows name the agent too) must be gone first.
      await tab.waitForURL(/\/agents$/);
      await tab.getByRole('heading', { name: 'Agents', exact: true }).waitFor();
      await tab.locator('tr[data-call-id]').first().waitFor({ state: 'detached' });
      await tab.getByRole('row', { name: /Appointment desk/ }).waitFor();
      for (const name of ['New agent', 'Sync to Bolna', 'Call']) {
        expect(await tab.getByRole('button', { name, exact: true }).count()).toBe(0);
      }

      await tab.getByRole('link', { name: 'Settings', exact: true }).click();
      await tab.getByRole('heading', { name: 'Members', exact: true }).waitFor();
      expect(await tab.getByRole('button', { name: 'Create invitation link' }).count()).toBe(0);
      expect(await tab.getByRole('combobox', { name: /Role of/ }).count()).toBe(0);
    } finally {
      await viewer.close();
    }
  });

  it('logged no console errors and no uncaught exceptions', () => {
    expect(errors).toEqual([]);
  });
});
