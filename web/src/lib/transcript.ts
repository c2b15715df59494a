/** Bolna's transcript (`assistant: …\nuser: …\n`) as speaker turns. */

export interface Turn {
  speaker: 'agent' | 'caller' | 'other';
  /** The label as written (`assistant`, `user`, or anything else Bolna sends). */
  label: string;
  text: string;
}

const SPEAKER = /^\s*(assistant|agent|bot|user|caller|customer|human)\s*:\s?(.*)$/i;
const AGENT = new Set(['assistant', 'agent', 'bot']);

/** Turns in order; a line without a speaker continues the previous turn. */
export function parseTranscript(text: string | null | undefined): Turn[] {
  if (!text) return [];
  const turns: Turn[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = SPEAKER.exec(line);
    if (match) {
      const label = match[1]!.toLowerCase();
      turns.push({ speaker: AGENT.has(label) ? 'agent' : 'caller', label, text: match[2]!.trim() });
    } else if (line.trim()) {
      const last = turns.at(-1);
      if (last) last.text = last.text ? `${last.text}\n${line.trim()}` : line.trim();
      else turns.push({ speaker: 'other', label: '', text: line.trim() });
    }
  }
  return turns.filter((t) => t.text);
}
