import { describe, expect, it } from 'vitest';
import {
  BolnaAuthError,
  BolnaError,
  BolnaNotFoundError,
  BolnaRateLimitError,
  BolnaUnavailableError,
  BolnaValidationError,
  errorFromResponse,
  readProviderMessage,
} from './errors.js';
import { backoffDelay, parseRetryAfter } from './http.js';

const failed = (status: number, body: unknown, idempotent = true) =>
  errorFromResponse({ status, body, operation: 'start a call to +91123', idempotent });

describe('readProviderMessage', () => {
  it('reads message, then detail, then error', () => {
    expect(readProviderMessage({ message: 'm', detail: 'd', error: 'e' })).toBe('m');
    expect(readProviderMessage({ detail: 'd', error: 'e' })).toBe('d');
    expect(readProviderMessage({ error: 'e' })).toBe('e');
  });

  it('reads pydantic-style detail arrays with their location', () => {
    const body = {
      detail: [
        { loc: ['body', 'recipient_phone_number'], msg: 'not E.164', type: 'value_error' },
        { loc: ['body', 'agent_id'], msg: 'Field required', type: 'missing' },
      ],
    };
    expect(readProviderMessage(body)).toBe('recipient_phone_number: not E.164; agent_id: Field required');
  });

  it('reduces an HTML error page to its text and returns null when nothing is said', () => {
    expect(readProviderMessage('<html><body><h1>502 Bad Gateway</h1></body></html>')).toBe('502 Bad Gateway');
    expect(readProviderMessage({})).toBeNull();
    expect(readProviderMessage('')).toBeNull();
    expect(readProviderMessage(null)).toBeNull();
  });
});

describe('errorFromResponse', () => {
  it('treats 401 (docs) and 403 (live) as an auth error', () => {
    for (const status of [401, 403]) {
      const error = failed(status, { detail: 'Invalid API key' });
      expect(error).toBeInstanceOf(BolnaAuthError);
      expect(error.status).toBe(status);
      expect(error.message).toContain('Invalid API key');
      expect(error.message).toContain('Check the Bolna API key');
    }
  });

  it('puts Bolna’s own words about a rejected number in the message', () => {
    const error = failed(422, { detail: "Invalid recipient_phone_number '+91123': not E.164" });
    expect(error).toBeInstanceOf(BolnaValidationError);
    expect(error.message).toBe(
      "Bolna rejected the request to start a call to +91123: Invalid recipient_phone_number '+91123': not E.164.",
    );
    expect(error.providerMessage).toBe("Invalid recipient_phone_number '+91123': not E.164");
  });

  it('maps 404, 429 and 5xx to their classes', () => {
    expect(failed(404, { detail: 'Execution not found' })).toBeInstanceOf(BolnaNotFoundError);
    const limited = errorFromResponse({
      status: 429,
      body: null,
      operation: 'x',
      idempotent: true,
      retryAfterMs: 3000,
    });
    expect(limited).toBeInstanceOf(BolnaRateLimitError);
    expect((limited as BolnaRateLimitError).retryAfterMs).toBe(3000);
    const down = failed(503, 'Service Unavailable', false);
    expect(down).toBeInstanceOf(BolnaUnavailableError);
    expect((down as BolnaUnavailableError).outcomeUnknown).toBe(true);
    expect(down.message).toContain('check before retrying');
    expect(failed(405, null)).toBeInstanceOf(BolnaError);
    expect(failed(405, null).code).toBe('bad_request');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates as milliseconds to wait', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-01-28T13:00:00Z');
    expect(parseRetryAfter('Wed, 28 Jan 2026 13:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 28 Jan 2026 12:00:00 GMT', now)).toBe(0);
  });

  it('returns null for absent or unreadable values', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('draws uniformly below an exponentially growing, capped ceiling (full jitter)', () => {
    const opts = { backoffBaseMs: 100, backoffMaxMs: 1000 };
    expect(backoffDelay(0, { ...opts, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { ...opts, random: () => 0.5 })).toBe(400);
    expect(backoffDelay(10, { ...opts, random: () => 0.5 })).toBe(500);
    expect(backoffDelay(2, { ...opts, random: () => 0 })).toBe(0);
  });
});
