// `bend-replicator <command>` as a child process the way the tests run it: src/main.ts through tsx
// on the Node running the tests, with nothing in its environment but PATH, HOME, the
// configuration file and what the caller adds (AWS credentials, above all).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const repoRoot = join(import.meta.dirname, '..', '..');

/** Writes the configuration where BEND_REPLICATOR_CONFIG can point; returns the path. */
export function configFile(config: unknown, prefix = 'config-'): string {
  const file = join(mkdtempSync(join(tmpdir(), prefix)), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export function spawnReplicator(
  configPath: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'main.ts'), ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BEND_REPLICATOR_CONFIG: configPath,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
