import { describe, expect, it } from 'vitest';
import { parseTranscript } from './transcript';

describe('parseTranscript', () => {
  it("reads Bolna's assistant/user lines as agent and caller turns", () => {
    const turns = parseTranscript('assistant: Hello Ravi.\nuser: Hi!\nassistant: How can I help?\n');
    expect(turns.map((t) => [t.speaker, t.text])).toEqual([
      ['agent', 'Hello Ravi.'],
      ['caller', 'Hi!'],
      ['agent', 'How can I help?'],
    ]);
  });

  it('keeps a line without a speaker with the turn before it, and skips empty turns', () => {
    const turns = parseTranscript('user: I need\nto reschedule\nassistant:\n');
    expect(turns).toEqual([{ speaker: 'caller', label: 'user', text: 'I need\nto reschedule' }]);
  });

  it('returns no turns for no transcript', () => {
    expect(parseTranscript(null)).toEqual([]);
    expect(parseTranscript('')).toEqual([]);
  });
});
