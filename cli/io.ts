/**
 * What a CLI run may touch, injected so tests run commands in-process without the real terminal,
 * environment or home folder.
 */
import type { Writable } from 'node:stream';

/** An output stream; `isTTY` decides whether progress bars are drawn. */
export type OutStream = Writable & { isTTY?: boolean; columns?: number };

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** Environment variables (`AUTOMITRA_URL`, `AUTOMITRA_API_KEY`, `XDG_CONFIG_HOME`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (`--out`, `--report`) resolve against this folder. */
  cwd: string;
  /** The home folder, for `~/.config/automitra/config.json`. */
  home: string;
  now: () => Date;
}

/** The real process: its streams, environment and folders. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME ?? process.env.USERPROFILE ?? process.cwd(),
    now: () => new Date(),
  };
}
