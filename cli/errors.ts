/**
 * Exit codes and the one error type the CLI reports. Every failure a user can meet becomes a
 * `CliError` with a sentence that says what to do; `run()` prints it and returns its exit code.
 */

/** The process exit codes, documented in `automitra --help`. */
export const EXIT = {
  /** Everything worked and every check passed. */
  ok: 0,
  /** The command ran but found something wrong (a failed check, an agent that did not sync, …). */
  failed: 1,
  /** The command line was wrong (unknown option, missing --org, a bad date or duration). */
  usage: 2,
  /** The platform could not be used: unreachable, key refused, role too low, unknown organization. */
  connection: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error meant for the operator: `message` is printed as is, the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
    /** A stable code for `--json` consumers, e.g. `unreachable`, `unauthorized`, `unknown_org`. */
    readonly code = 'failed',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command-line mistake (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage, 'usage');
}
