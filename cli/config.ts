/**
 * Where the CLI connects and with which key: flags (`--url`, `--key`) win over the environment
 * (`AUTOMITRA_URL`, `AUTOMITRA_API_KEY`), which wins over the file `automitra login` writes
 * (`$XDG_CONFIG_HOME/automitra/config.json`, else `~/.config/automitra/config.json`, mode 0600).
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CliError, EXIT, usageError } from './errors.js';
import type { CliIo } from './io.js';

/** Where the platform runs when nothing says otherwise (the README's quick start). */
export const DEFAULT_URL = 'http://localhost:5000';

const ConfigFile = z.object({ url: z.string(), key: z.string() });
export type ConfigFile = z.infer<typeof ConfigFile>;

export interface Connection {
  /** Base URL without a trailing slash, e.g. `http://localhost:5000`. */
  url: string;
  key: string;
  /** Where the key came from, for error messages. */
  keySource: 'flag' | 'env' | 'config';
}

/** `$XDG_CONFIG_HOME/automitra/config.json`, or `~/.config/automitra/config.json`. */
export function configPath(io: Pick<CliIo, 'env' | 'home'>): string {
  const base = io.env.XDG_CONFIG_HOME || path.join(io.home, '.config');
  return path.join(base, 'automitra', 'config.json');
}

/** The saved connection, or null when `automitra login` has not been run. */
export async function readConfigFile(io: Pick<CliIo, 'env' | 'home'>): Promise<ConfigFile | null> {
  const file = configPath(io);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage, 'config');
  }
  let parsed;
  try {
    parsed = ConfigFile.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) {
    throw new CliError(
      `${file} is not a valid Automitra config: run \`automitra login --url <url> --key <key>\` again.`,
      EXIT.usage,
      'config',
    );
  }
  return parsed.data;
}

/** Saves the connection readable by its owner only (0600, folder 0700); replaces it atomically. */
export async function writeConfigFile(io: Pick<CliIo, 'env' | 'home'>, config: ConfigFile): Promise<string> {
  const file = configPath(io);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}

/** Checks and normalises a base URL: http(s), no trailing slash. */
export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`"${raw}" is not a URL: use the platform's base URL, e.g. ${DEFAULT_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`"${raw}" is not an http(s) URL: use the platform's base URL, e.g. ${DEFAULT_URL}`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** The connection for this run, from flags, then the environment, then the config file. */
export async function resolveConnection(
  io: Pick<CliIo, 'env' | 'home'>,
  flags: { url?: string; key?: string },
): Promise<Connection> {
  const saved = await readConfigFile(io);
  const url = flags.url ?? (io.env.AUTOMITRA_URL || undefined) ?? saved?.url ?? DEFAULT_URL;
  const fromEnv = io.env.AUTOMITRA_API_KEY || undefined;
  const key = flags.key ?? fromEnv ?? saved?.key;
  if (!key) {
    throw new CliError(
      'no API key: pass --key <key>, set AUTOMITRA_API_KEY, or run `automitra login --url <url> --key <key>` once. ' +
        'Create a key in the web app (organization settings) or use the server’s ADMIN_TOKEN for platform-wide commands.',
      EXIT.usage,
      'no_key',
    );
  }
  const keySource = flags.key ? 'flag' : fromEnv ? 'env' : 'config';
  return { url: normaliseUrl(url), key, keySource };
}
