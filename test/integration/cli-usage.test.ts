// The command line itself: usage errors exit 2 as docs/cli.md promises, --version, and --config
// naming the configuration file instead of BEND_REPLICATOR_CONFIG.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFile, spawnReplicator } from '../support/spawn-replicator.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], configPath = ''): Promise<Result> {
  const child = spawnReplicator(configPath, args, {});
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const CONFIG = {
  databend: { dsn: 'databend://root:@127.0.0.1:1/?sslmode=disable' },
  s3: { bucket: 'from-the-flag', region: 'eu-west-1' },
  sqs: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q' },
};

describe('bend-replicator on the command line', () => {
  it.each([
    ['an unknown command', ['nosuch'], /unknown command 'nosuch'/],
    ['an unknown option', ['status', '--nope'], /unknown option '--nope'/],
    ['a missing required option', ['pause'], /required option '--table <table>' not specified/],
  ])('exits 2 on %s, saying what was wrong', async (_what, args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('prints its version and commit with --version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(
      new RegExp(`^${version.replaceAll('.', '\\.')} \\(commit \\S+\\)$`),
    );
  });

  it('reads the file --config names, before or after the command, over BEND_REPLICATOR_CONFIG', async () => {
    const flagged = configFile(CONFIG);
    const ignored = configFile({ ...CONFIG, s3: { ...CONFIG.s3, bucket: 'from-the-variable' } });
    for (const args of [
      ['--config', flagged, 'print-config'],
      ['print-config', '--config', flagged],
    ]) {
      const result = await run(args, ignored);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ s3: { bucket: 'from-the-flag' } });
    }
  });

  it('exits 2 naming the field when the configuration is invalid', async () => {
    const result = await run(['print-config'], configFile({ s3: { bucket: 'b' } }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('databend.dsn (env DATABEND_DSN)');
  });
});
