import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envNameFor, loadConfig } from '../../server/config.ts';
import { runCli } from '../helpers/cli.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const noEnv = {};

function tempYaml(text: string): string {
  const dir = temporaryDir('astri-config-');
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('loads the embedded defaults with absolute paths', () => {
    const config = loadConfig({ env: noEnv });
    expect(config.server.port).toBe(4000);
    expect(config.energyBins.edgesTeV).toEqual([1, 2, 5, 10, 20, 50, 100, 200]);
    expect(path.isAbsolute(config.data.database)).toBe(true);
    expect(Object.isFrozen(config.inference)).toBe(true);
  });

  it('lets a --config file override keys and resolves its paths against its own folder', () => {
    const file = tempYaml('server:\n  port: 5123\ndata:\n  database: ./meta.db\n');
    const config = loadConfig({ file, env: noEnv });
    expect(config.server.port).toBe(5123);
    expect(config.data.database).toBe(path.join(path.dirname(file), 'meta.db'));
    expect(config.inference.batchSize).toBe(256);
  });

  it('keeps the metadata in the SQLite file unless database.url names a PostgreSQL database', () => {
    expect(loadConfig({ env: noEnv }).database.url).toBeNull();
    const url = 'postgresql://astri:secret@db.example.org:5432/astri?sslmode=require';
    expect(loadConfig({ env: { ASTRI_DATABASE__URL: url } }).database.url).toBe(url);
    expect(() => loadConfig({ env: { ASTRI_DATABASE__URL: 'mysql://db/astri' } })).toThrow(/"database\.url": must be a postgresql:\/\/.*\(env ASTRI_DATABASE__URL\)/);
  });

  it('lets ASTRI_* environment variables override the file, parsing numbers and lists', () => {
    const file = tempYaml('server:\n  port: 5123\n');
    const config = loadConfig({
      file,
      env: { ASTRI_SERVER__PORT: '6000', ASTRI_INFERENCE__BATCH_SIZE: '64', ASTRI_ENERGY_BINS__EDGES_TEV: '[1, 3, 10]', ASTRI_DEMO__AUTO_GENERATE: 'false' },
    });
    expect(config.server.port).toBe(6000);
    expect(config.inference.batchSize).toBe(64);
    expect(config.energyBins.edgesTeV).toEqual([1, 3, 10]);
    expect(config.demo.autoGenerate).toBe(false);
  });

  it('names the environment variable of every key', () => {
    expect(envNameFor(['inference', 'batchSize'])).toBe('ASTRI_INFERENCE__BATCH_SIZE');
    expect(envNameFor(['energyBins', 'edgesTeV'])).toBe('ASTRI_ENERGY_BINS__EDGES_TEV');
  });

  it('reports every bad key at once, by name', () => {
    const file = tempYaml('server:\n  port: "eighty"\n  colour: blue\ninference:\n  batchSize: 0\n');
    let error: unknown;
    try {
      loadConfig({ file, env: noEnv });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.join('\n');
    expect(issues).toMatch(/"server\.port"/);
    expect(issues).toMatch(/server\.colour/);
    expect(issues).toMatch(/"inference\.batchSize"/);
  });

  it('refuses bin edges that do not increase', () => {
    expect(() => loadConfig({ env: { ASTRI_ENERGY_BINS__EDGES_TEV: '[1, 5, 2]' } })).toThrow(/energyBins\.edgesTeV.*strictly increasing/);
  });

  it('refuses a missing config file', () => {
    expect(() => loadConfig({ file: '/nonexistent/astri.yaml', env: noEnv })).toThrow(/config file not found: \/nonexistent\/astri.yaml/);
  });

  it('stops the command with a message naming the key', async () => {
    const result = await runCli(['serve'], { env: { ASTRI_SERVER__PORT: 'not-a-port' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ConfigError: invalid configuration/);
    expect(result.stderr).toMatch(/"server\.port".*ASTRI_SERVER__PORT/);
  });
});
