// Compiles the service to JavaScript for the benchmarks, as the image runs it (`node dist/main.js`),
// into node_modules/.cache so the project's dist/ is left alone. Measuring the compiled code keeps the
// TypeScript loader's memory and CPU out of the service's figures.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_DIR, REPO_ROOT } from './paths.js';
import type { Runner } from './service.js';

export async function buildService(log: (line: string) => void): Promise<Runner> {
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [tsc, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', BUILD_DIR],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  // Package scopes end at node_modules: without this the emitted ES modules would load as CommonJS.
  await mkdir(BUILD_DIR, { recursive: true });
  await writeFile(join(BUILD_DIR, 'package.json'), '{ "type": "module" }\n');
  // tsc emits despite type errors; a type error elsewhere in the tree must not stop a benchmark.
  if (code !== 0)
    log(
      `tsc reported problems (code ${code}); using what it emitted:\n${output.join('').slice(0, 2_000)}`,
    );
  return { kind: 'dist', mainJs: join(BUILD_DIR, 'main.js') };
}
