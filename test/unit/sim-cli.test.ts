import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../sim/cli-program.js';

const run = promisify(execFile);

describe('npm run sim -- --help', () => {
  it('documents every option of every command', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'sim', '--', '--help'], {
      cwd: new URL('../..', import.meta.url),
    });
    const program = buildProgram();
    expect(program.commands.map((c) => c.name())).toEqual(['generate', 'upload', 'compare']);
    let options = 0;
    for (const command of program.commands) {
      expect(stdout).toContain(`sim ${command.name()}: Usage: sim ${command.name()} [options]`);
      for (const option of command.options) {
        options++;
        expect(option.description.length, option.flags).toBeGreaterThan(10);
        expect(stdout, option.flags).toContain(option.flags);
      }
    }
    expect(options).toBeGreaterThan(50);
  });

  it('rejects a malformed number instead of falling back to a default', async () => {
    await expect(
      run(
        'npm',
        ['run', '--silent', 'sim', '--', 'generate', '--out', '/tmp/x', '--rows', 'many'],
        {
          cwd: new URL('../..', import.meta.url),
        },
      ),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('needs an integer in 0..') as unknown,
    });
  });
});
