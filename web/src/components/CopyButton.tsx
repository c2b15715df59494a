/** Copies a value to the clipboard and says so (visibly and to screen readers). */
import { useState } from 'react';
import { Icon } from './Icon';

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
    setTimeout(() => setCopied(null), 2_000);
  }
  return (
    <button type="button" className="btn btn-sm" onClick={() => void copy()} aria-live="polite">
      <Icon name={copied === 'yes' ? 'check' : 'copy'} />
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select and copy' : label}
    </button>
  );
}

/** A secret or URL in a read-only field with a copy button beside it. */
export function CopyField({ value, label, id }: { value: string; label: string; id: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field">
        <input
          id={id}
          className="input mono"
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton value={value} />
      </div>
    </div>
  );
}
