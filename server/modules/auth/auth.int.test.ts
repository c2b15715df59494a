import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  PASSWORD,
  expectError,
  signUp,
  startTestApp,
  uniqueEmail,
  type TestApp,
} from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';

describe(`auth (${testDbKind()})`, () => {
  let t: TestApp;
  let clock = new Date('2026-03-01T10:00:00Z');
  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' }, now: () => clock });
  });
  afterAll(() => t.close());

  it('signs up: 201 with the user, the first organization (owner) and an httpOnly Lax cookie', async () => {
    const client = new Client(t.app);
    const email = uniqueEmail();
    const res = await client.post('/api/auth/signup', {
      email,
      password: PASSWORD,
      name: 'Asha',
      organizationName: 'Acme',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({ email, name: 'Asha' });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(body.organization).toMatchObject({ name: 'Acme', role: 'owner' });
    const cookie = res.cookies.find((c) => c.name === 'automitra_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.value.length).toBeGreaterThanOrEqual(43);

    const me = await client.get('/api/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      user: body.user,
      organizations: [{ id: body.organization.id, name: 'Acme', role: 'owner' }],
    });
  });

  it('stores the password as an argon2id hash and the session token only as a digest', async () => {
    const { client, email } = await signUp(t.app);
    const token = client.cookie!.split('=')[1]!;
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ password_hash: string; token_hash: string }>(
        'SELECT u.password_hash, s.token_hash FROM users u JOIN sessions s ON s.user_id = u.id WHERE u.email = $1',
        [email],
      ),
    );
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a second account for the same email in any case', async () => {
    const { email } = await signUp(t.app);
    const res = await new Client(t.app).post('/api/auth/signup', {
      email: email.toUpperCase(),
      password: PASSWORD,
      name: 'Dup',
      organizationName: 'Dup',
    });
    expectError(res, 409, 'conflict');
  });

  it('logs in case-insensitively, and logout revokes the session server-side', async () => {
    const { email } = await signUp(t.app);
    const client = new Client(t.app);
    const login = await client.post('/api/auth/login', { email: email.toUpperCase(), password: PASSWORD });
    expect(login.statusCode).toBe(200);
    expect(login.json().user.email).toBe(email);
    const stolen = new Client(t.app, { cookie: client.cookie });
    expect((await client.post('/api/auth/logout')).statusCode).toBe(204);
    expect(client.cookie).toBeUndefined();
    expectError(await stolen.get('/api/auth/me'), 401, 'unauthenticated');
  });

  it('answers a wrong password and an unknown email with the same error', async () => {
    const { email } = await signUp(t.app);
    const wrong = expectError(
      await new Client(t.app).post('/api/auth/login', { email, password: 'not the password' }),
      401,
    );
    const unknown = expectError(
      await new Client(t.app).post('/api/auth/login', {
        email: uniqueEmail('nobody'),
        password: 'not the password',
      }),
      401,
    );
    expect({ ...wrong, requestId: '' }).toEqual({ ...unknown, requestId: '' });
  });

  it('throttles failed logins per account, known or unknown, with Retry-After', async () => {
    for (const email of [(await signUp(t.app)).email, uniqueEmail('ghost')]) {
      for (let i = 0; i < 3; i++) {
        expectError(
          await new Client(t.app).post('/api/auth/login', { email, password: 'wrong-password' }),
          401,
        );
      }
      const blocked = await new Client(t.app).post('/api/auth/login', { email, password: PASSWORD });
      expectError(blocked, 429, 'rate_limited');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('expires sessions after their lifetime', async () => {
    const { client } = await signUp(t.app);
    expect((await client.get('/api/auth/me')).statusCode).toBe(200);
    clock = new Date(clock.getTime() + t.config.sessionTtlMs + 1000);
    expectError(await client.get('/api/auth/me'), 401);
  });

  it('names every bad field', async () => {
    const res = await new Client(t.app).post('/api/auth/signup', {
      email: 'nope',
      password: 'short',
      name: 42,
    });
    const body = expectError(res, 400, 'validation_failed');
    const fields = (body as unknown as { details: { issues: { field: string }[] } }).details.issues.map(
      (i) => i.field,
    );
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'name', 'organizationName']));
    expectError(await new Client(t.app).request('POST', '/api/auth/login', '{"email":'), 400, 'invalid_json');
    expectError(await new Client(t.app).post('/api/auth/login', []), 400, 'validation_failed');
  });

  it('requires a session for /me and refuses a malformed Authorization header', async () => {
    expectError(await new Client(t.app).get('/api/auth/me'), 401);
    expectError(
      await new Client(t.app).request('GET', '/api/auth/me', undefined, { authorization: 'Basic x' }),
      401,
    );
  });
});

describe(`login throttle per IP (${testDbKind()})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_MAX_ATTEMPTS_PER_IP: '4' } });
  });
  afterAll(() => t.close());

  it('blocks an IP that tries too many accounts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await new Client(t.app).post('/api/auth/login', {
        email: uniqueEmail(),
        password: 'guess-guess',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });
});
