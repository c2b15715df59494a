/**
 * What every command receives: the injected I/O, the connection built from the connection options,
 * the result printer, and the exit code the run ends with.
 */
import type { Command } from 'commander';
import { ApiClient } from './api.js';
import { resolveConnection } from './config.js';
import { EXIT, type ExitCode } from './errors.js';
import type { CliIo } from './io.js';
import { Output } from './output.js';

/** The connection and output options, given before the command or after it. */
export interface GlobalOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

/** Commands whose own `--url` is something else than the platform (`webhooks configure`). */
const urlIsNotThePlatform = new WeakSet<Command>();

/**
 * Adds `--url`, `--key` and `--json` to a command. With `platformUrl: false` the command defines its
 * own `--url`; the platform URL then comes from `automitra --url … <command>`, the environment or
 * the config file.
 */
export function addConnectionOptions(cmd: Command, { platformUrl = true } = {}): Command {
  if (platformUrl)
    cmd.option('--url <url>', "the platform's base URL (else AUTOMITRA_URL, else `automitra login`)");
  else urlIsNotThePlatform.add(cmd);
  return cmd
    .option('--key <key>', 'API key or ADMIN_TOKEN (else AUTOMITRA_API_KEY, else `automitra login`)')
    .option('--json', 'print the result as JSON on stdout');
}

export class CommandContext {
  /** The exit code of the run; commands raise it when they find something wrong. */
  exitCode: ExitCode = EXIT.ok;

  constructor(readonly io: CliIo) {}

  /** The connection options of `cmd` merged with its ancestors' (the nearest wins). */
  globals(cmd: Command): GlobalOptions {
    const merged: GlobalOptions = {};
    for (let c: Command | null = cmd; c; c = c.parent) {
      const opts = c.opts<GlobalOptions>();
      if (merged.url === undefined && !urlIsNotThePlatform.has(c)) merged.url = opts.url;
      merged.key ??= opts.key;
      merged.json ||= opts.json;
    }
    return merged;
  }

  /** The API client for this run (flags > env > config file). */
  async api(cmd: Command): Promise<ApiClient> {
    const { url, key } = this.globals(cmd);
    return new ApiClient(await resolveConnection(this.io, { url, key }));
  }

  output(cmd: Command): Output {
    return new Output(this.io, Boolean(this.globals(cmd).json));
  }

  /** Marks the run as having found a problem (exit 1) unless a worse code is already set. */
  fail(code: ExitCode = EXIT.failed): void {
    if (code > this.exitCode) this.exitCode = code;
  }

  now(): Date {
    return this.io.now();
  }
}

/** Appends an "Example" section to a command's help. */
export function withExamples(cmd: Command, ...examples: string[]): Command {
  const title = examples.length > 1 ? 'Examples' : 'Example';
  return cmd.addHelpText('after', `\n${title}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}
