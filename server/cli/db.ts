// `astri db backup FILE`: a consistent copy of the metadata database, safe while the server runs.
import type { Command } from 'commander';
import { configFrom } from './global-options.ts';

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('the metadata database (data.database)');
  db.command('backup')
    .description('copy the database consistently (SQLite online backup), also while `astri serve` is running')
    .argument('<file>', 'where to write the copy')
    .option('--force', 'replace FILE if it exists')
    .action(async (file: string, options: { force?: boolean }) => {
      const config = configFrom(program);
      if (config.database.url) {
        const { DatabaseFileError } = await import('../data/database-file.ts');
        throw new DatabaseFileError('database.url names a PostgreSQL database: back it up with pg_dump (or your PostgreSQL backups); `astri db backup` copies the SQLite file data.database');
      }
      const { backupDatabase } = await import('../data/database-file.ts');
      const { bytes, pages } = await backupDatabase(config.data.database, file, { overwrite: options.force });
      process.stdout.write(`backed up ${config.data.database} to ${file} (${pages} pages, ${bytes} bytes)\n`);
    });
}
