// The `astri` command: each subcommand lives in its own file and only parses, calls a service, prints.
import { Command, CommanderError } from 'commander';
import { OpenBindError } from '../auth/authenticator.ts';
import { ConfigError } from '../config.ts';
import { ArchiveError } from '../data/archive/errors.ts';
import { DemoDatasetError, MulticlassDemoError } from '../data/demo/errors.ts';
import { DatabaseFileError } from '../data/database-file.ts';
import { DatabaseConnectionError } from '../data/database-url.ts';
import { CsvSyntaxError } from '../data/ingest/csv.ts';
import { IngestInputError } from '../data/ingest/errors.ts';
import { ImageDecodeError } from '../data/png.ts';
import { DomainError } from '../errors.ts';
import { InferenceError } from '../inference/errors.ts';
import { SavedModelMismatchError, TrainingBackendError, TrainingOptionsError } from '../training/errors.ts';
import { registerServeCommand } from './serve.ts';
import { registerModelCommand } from './model.ts';
import { ImageSizeError, PredictError, registerPredictCommand } from './predict.ts';
import { registerDataCommand } from './data.ts';
import { IngestRejectedError, registerIngestCommand } from './ingest.ts';
import { registerTokenCommand } from './token.ts';
import { registerDbCommand } from './db.ts';
import { registerWorkerCommand } from './worker.ts';

/** Errors whose message tells the user what to fix; each module's base class covers its named subclasses. */
const USER_ERRORS = [
  ConfigError,
  OpenBindError,
  DatabaseFileError,
  DatabaseConnectionError,
  DomainError,
  InferenceError,
  ArchiveError,
  ImageDecodeError,
  CsvSyntaxError,
  IngestInputError,
  DemoDatasetError,
  MulticlassDemoError,
  TrainingOptionsError,
  TrainingBackendError,
  SavedModelMismatchError,
  PredictError,
  ImageSizeError,
  IngestRejectedError,
] as const;

/**
 * A user's mistake or a refusal: one of our named errors, or a file the user named that the system cannot
 * open (ENOENT, EACCES, ...). Anything else is a bug, rethrown so that Node prints its stack.
 */
function isUserError(error: unknown): error is Error {
  return USER_ERRORS.some((Class) => error instanceof Class) || isSystemError(error);
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

export function buildProgram(): Command {
  const program = new Command('astri')
    .description('ASTRI gamma/hadron inference service')
    .option('-c, --config <file>', 'YAML file merged over the embedded config.yaml')
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerModelCommand(program);
  registerPredictCommand(program);
  registerDataCommand(program);
  registerIngestCommand(program);
  registerTokenCommand(program);
  registerDbCommand(program);
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
    if (isUserError(error)) {
      process.stderr.write(`astri: ${error.name}: ${error.message}\n`);
      if (process.env.ASTRI_DEBUG) process.stderr.write(`${error.stack}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
