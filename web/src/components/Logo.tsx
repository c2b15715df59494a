/** The wordmark: a sound-wave mark in the accent colour, then the name. */
export function Logo() {
  return (
    <span className="logo">
      <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">
        <rect width="24" height="24" rx="6" fill="var(--accent)" />
        <path
          d="M6 10v4M9.3 7.5v9M12.6 5v14M15.9 8.5v7M18.5 10.5v3"
          stroke="#fff"
          strokeWidth="1.8"
          strokeLinecap="round"
        />
      </svg>
      <span className="logo-text">Automitra</span>
    </span>
  );
}
