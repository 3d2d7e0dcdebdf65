// CI runs a short demo: the README's first command must end with its verdict.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('npm run demo', () => {
  it('replicates a short simulated source and says ODS equals it', { timeout: 600_000 }, () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'demo', 'demo.ts')], {
      cwd: root,
      env: { ...process.env, DEMO_SECONDS: '10' },
      encoding: 'utf8',
      timeout: 580_000,
    });
    expect(result.stdout).toMatch(/metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(result.stdout).toMatch(/^ {4}customers +\d+ +\d+ +\d+ +equal$/m);
    expect(result.stdout).toContain('verdict: ODS equals the source');
    // …and reconcile's, from the real MariaDB the simulator wrote.
    expect(result.stdout).toMatch(
      /^ {4}verdict: ODS equals the source \(3 table\(s\), \d+ source rows/m,
    );
    expect(result.status).toBe(0);
  });
});
