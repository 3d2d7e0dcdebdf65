// The Dockerfile passes hadolint with no finding at all (warnings and infos included).
import { describe, expect, it } from 'vitest';
import { runTool } from '../support/deploy-tools.js';

describe('Dockerfile', () => {
  it('is clean under hadolint', async () => {
    const result = await runTool('hadolint', ['--failure-threshold', 'style', 'Dockerfile']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
