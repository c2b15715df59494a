/**
 * The `automitra` command: operator chores over the platform's HTTP API. `run(argv, io)` parses and
 * runs one command line and resolves with the exit code; it never calls `process.exit`, so tests
 * run it in-process with their own streams, environment and home folder.
 */
import { Command, CommanderError } from 'commander';
import { registerAgents } from './commands/agents.js';
import { registerCalls } from './commands/calls.js';
import { registerDoctor } from './commands/doctor.js';
import { registerLogin } from './commands/login.js';
import { registerVerify } from './commands/verify.js';
import { registerWebhooks } from './commands/webhooks.js';
import { addConnectionOptions, CommandContext } from './context.js';
import { CliError, EXIT, type ExitCode } from './errors.js';
import type { CliIo } from './io.js';

const ROOT_HELP = `
Connection (a flag wins over the environment, which wins over \`automitra login\`):
  --url, AUTOMITRA_URL        the platform's base URL (default http://localhost:5000)
  --key, AUTOMITRA_API_KEY    an organization API key (organization settings → API keys), or the
                              server's ADMIN_TOKEN, which --all and the commands run without --org
                              need (platform-wide: every organization)
  Connection options go before or after the command; for \`webhooks configure\`, whose own --url is
  the public webhook base, put the platform's --url before the command or use AUTOMITRA_URL.

Exit codes:
  0  ok: the command worked and every check passed
  1  something is wrong: a check failed, an agent did not sync, an export stopped, the server failed
  2  usage error: unknown command or option, missing --org, a bad date or duration
  3  the platform could not be used: unreachable URL, API key refused, role too low (or a
     non-admin key where ADMIN_TOKEN is needed), unknown organization

Examples:
  $ automitra login --url http://localhost:5000 --key amk_…
  $ automitra orgs list
  $ automitra doctor --org 2b0c…-…
  $ automitra calls export --org 2b0c…-… --out calls.csv --from 2026-01-01
  $ automitra webhooks configure --all --key "$ADMIN_TOKEN"
  $ automitra verify --all --key "$ADMIN_TOKEN" --report verify.json
`;

/** Builds the command tree for one run; commands report into `ctx`. */
export function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('automitra')
    .description('Operator commands for an Automitra platform, over its HTTP API.')
    // Options before the command belong to the program; after it, to the command. This keeps
    // `webhooks configure --url <public base>` apart from the platform's `--url`.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showSuggestionAfterError()
    .helpCommand(true)
    .addHelpText('after', ROOT_HELP);
  addConnectionOptions(program);

  registerLogin(program, ctx);
  registerCalls(program, ctx);
  registerWebhooks(program, ctx);
  registerAgents(program, ctx);
  registerDoctor(program, ctx);
  registerVerify(program, ctx);

  // Every runnable command takes the connection options after its name too.
  const leaves = (cmd: Command): Command[] => (cmd.commands.length ? cmd.commands.flatMap(leaves) : [cmd]);
  for (const leaf of program.commands.flatMap(leaves)) {
    addConnectionOptions(leaf, { platformUrl: !leaf.options.some((o) => o.long === '--url') });
  }
  return program;
}

/** Runs one command line (without `node` and the script) and resolves with its exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const ctx = new CommandContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end the run normally; everything else commander reports is usage.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      io.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`error: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.failed;
  }
}
