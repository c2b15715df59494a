/** `automitra login` and `automitra orgs list`: who the key is, and saving the connection. */
import type { Command } from 'commander';
import { ApiClient } from '../api.js';
import { normaliseUrl, writeConfigFile } from '../config.js';
import { Health } from '../contract.js';
import { withExamples, type CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { renderTable } from '../output.js';
import { visibleOrgs, type OrgTarget } from '../targets.js';

const orgTable = (orgs: OrgTarget[]) =>
  orgs.length
    ? renderTable(orgs, [
        { header: 'ORGANIZATION', value: (o) => o.name },
        { header: 'ID', value: (o) => o.id },
      ])
    : 'The key sees no organization.\n';

export function registerLogin(program: Command, ctx: CommandContext): void {
  const login = program
    .command('login')
    .description(
      'check --url and --key against the platform, then save them for later runs ' +
        '($XDG_CONFIG_HOME/automitra/config.json or ~/.config/automitra/config.json, mode 0600)',
    )
    .action(async (_options: unknown, cmd: Command) => {
      const out = ctx.output(cmd);
      const { url, key } = ctx.globals(cmd);
      const env = ctx.io.env;
      const givenUrl = url ?? (env.AUTOMITRA_URL || undefined);
      const givenKey = key ?? (env.AUTOMITRA_API_KEY || undefined);
      if (!givenUrl || !givenKey) throw usageError('login needs --url <platform URL> and --key <API key>');
      const api = new ApiClient({
        url: normaliseUrl(givenUrl),
        key: givenKey,
        keySource: key ? 'flag' : 'env',
      });
      // Reachable first (a wrong URL says so), then the key (a refused key says so); nothing is saved
      // unless both work.
      await api.get('/api/healthz', Health);
      const { admin, orgs } = await visibleOrgs(api);
      const file = await writeConfigFile(ctx.io, { url: api.url, key: givenKey });
      out.result({ url: api.url, configPath: file, admin, organizations: orgs }, () => {
        const who = admin ? 'the platform admin token (every organization)' : 'an organization API key';
        return `Logged in to ${api.url} with ${who}; saved to ${file}.\n${orgTable(orgs)}`;
      });
    });
  withExamples(
    login,
    'automitra login --url https://calls.example.com --key amk_…',
    'automitra login --url http://localhost:5000 --key "$ADMIN_TOKEN"',
  );

  const orgs = program.command('orgs').description('organizations the key can see');
  const list = orgs
    .command('list')
    .description('list the organizations the key can see (every one with ADMIN_TOKEN), with their ids')
    .action(async (_options: unknown, cmd: Command) => {
      const api = await ctx.api(cmd);
      const { admin, orgs: found } = await visibleOrgs(api);
      ctx.output(cmd).result({ admin, organizations: found }, () => orgTable(found));
    });
  withExamples(list, 'automitra orgs list --json');
}
