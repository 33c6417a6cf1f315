// The `astri` command: each subcommand lives in its own file and only parses, calls a service, prints.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { registerServeCommand } from './serve.ts';
import { registerModelCommand } from './model.ts';
import { registerPredictCommand } from './predict.ts';
import { registerDataCommand } from './data.ts';
import { registerIngestCommand } from './ingest.ts';

export function buildProgram(): Command {
  const program = new Command('astri')
    .description('ASTRI gamma/hadron inference service')
    .option('-c, --config <file>', 'YAML file merged over the embedded config.yaml')
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerModelCommand(program);
  registerPredictCommand(program);
  registerDataCommand(program);
  registerIngestCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof Error && (error instanceof ConfigError || error.name.endsWith('Error'))) {
      process.stderr.write(`astri: ${error.name}: ${error.message}\n`);
      if (process.env.ASTRI_DEBUG) process.stderr.write(`${error.stack}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
