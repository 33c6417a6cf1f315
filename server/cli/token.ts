// `astri token create|list|revoke`: API tokens and their roles (reader, runner, admin).
import type { Command } from 'commander';
import { configFrom } from './global-options.ts';

export function registerTokenCommand(program: Command): void {
  const token = program
    .command('token')
    .description('API tokens: once one exists, every request needs one (sent as "Authorization: Bearer <token>"), except what auth.anonymous allows');

  token
    .command('create')
    .description('create a token and print its secret (shown once: only its hash is stored)')
    .requiredOption('--role <role>', 'reader (queries), runner (also predict and cancel its own runs) or admin (also upload and activate models and datasets)')
    .requiredOption('--name <name>', 'who or what it is for, e.g. "alice" or "ci"')
    .option('--json', 'print {id, name, role, secret} as JSON')
    .action(async (options: { role: string; name: string; json?: boolean }) => {
      await withTokens(program, async (tokens) => {
        const { token: created, secret } = await tokens.create({ role: options.role, name: options.name });
        if (options.json) process.stdout.write(`${JSON.stringify({ id: created.id, name: created.name, role: created.role, secret })}\n`);
        else process.stdout.write(`${secret}\n`);
        process.stderr.write(`astri: token ${created.id} "${created.name}" (${created.role}) created; copy the secret now, it is not shown again\n`);
      });
    });

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withTokens(program, async (tokens) => {
        const list = await tokens.list();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        if (list.length === 0) {
          process.stdout.write('no tokens: the server is open on loopback only (astri token create --role admin --name NAME)\n');
          return;
        }
        const day = (date: Date | null) => (date ? date.toISOString().slice(0, 16).replace('T', ' ') : '-');
        process.stdout.write(`${['id', 'name', 'role', 'prefix', 'created', 'last used', 'revoked'].join('\t')}\n`);
        for (const t of list) process.stdout.write(`${[t.id, t.name, t.role, `${t.prefix}...`, day(t.createdAt), day(t.lastUsedAt), day(t.revokedAt)].join('\t')}\n`);
      });
    });

  token
    .command('revoke')
    .description('revoke a token by id, or every active token of a name; requests with it are refused at once')
    .argument('<id-or-name>')
    .action(async (idOrName: string) => {
      await withTokens(program, async (tokens) => {
        const revoked = await tokens.revoke(idOrName);
        for (const t of revoked) process.stdout.write(`revoked token ${t.id} "${t.name}" (${t.role})\n`);
      });
    });
}

async function withTokens(program: Command, work: (tokens: import('../auth/tokens.ts').TokenService) => Promise<void>): Promise<void> {
  const config = configFrom(program);
  const { openDatabase } = await import('../data/db.ts');
  const { configuredDatabase } = await import('../data/database-url.ts');
  const { TokenService } = await import('../auth/tokens.ts');
  const db = await openDatabase(configuredDatabase(config));
  try {
    await work(new TokenService(db));
  } finally {
    await db.$disconnect();
  }
}
