// The options every subcommand shares (the program's global --config flag) and the configuration they name.
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.ts';

export interface GlobalOptions {
  config?: string;
}

/** Loads the configuration named by the global --config flag, with optional overrides. */
export function configFrom(program: Command, overrides?: Record<string, unknown>): Config {
  const { config } = program.opts<GlobalOptions>();
  return loadConfig({ file: config, overrides });
}
