// How the `astri` command reports a failure: the user's mistakes as one line naming the error, exit status 1.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const env = Object.fromEntries(Object.keys(process.env).filter((name) => name.startsWith('ASTRI_')).map((name) => [name, undefined]));

describe('astri failures', () => {
  it('prints a named refusal as one line without a stack and exits with 1', async () => {
    const result = await runCli(['predict'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('astri: PredictError: no images given: name PNG files or use --dir DIR\n');
  });

  it('prints a configuration error with the key at fault', async () => {
    const result = await runCli(['data', 'list'], { env: { ...env, ASTRI_SERVER__PORT: 'not-a-port' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^astri: ConfigError: invalid configuration/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses an out-of-range option value, naming the option', async () => {
    const result = await runCli(['serve', '--port', '70000'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--port must be an integer from 0 to 65535, got "70000"');
  });
});
