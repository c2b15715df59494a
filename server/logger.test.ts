import { describe, expect, it } from 'vitest';
import { redactUrl } from './logger.js';

describe('redactUrl', () => {
  it('hides webhook tokens in the query string', () => {
    expect(redactUrl('/api/webhooks/bolna/call-status?token=abc123&x=1')).toBe(
      '/api/webhooks/bolna/call-status?token=[REDACTED]&x=1',
    );
  });

  it('hides invitation tokens in the path', () => {
    expect(redactUrl('/api/invitations/Zm9vYmFy-secret/accept')).toBe('/api/invitations/[REDACTED]/accept');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/api/orgs/1/calls?status=completed')).toBe('/api/orgs/1/calls?status=completed');
  });
});
