// npm run stack:up | stack:down | stack:install — the local stack for the demo, tests and benchmarks.
import { down, up } from './stack.js';
import { installMariadb } from './mariadb.js';
import { ensurePythonEnv } from './python-env.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

const log = (line: string): void => console.log(line);

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'install':
      ensurePythonEnv(process.env.STACK_PYTHON, log);
      // The MySQL source is optional: without it everything but reconcile still runs.
      installMariadb(log);
      return;
    case 'up': {
      const { env, started } = await up({
        // The embedded engine keeps its catalog in a per-process meta directory, so kept data files
        // are unreachable after a restart anyway: temporary by default.
        persistentData: process.env.STACK_DATABEND_DATA === 'persistent',
        maxReceiveCount: envInt('STACK_MAX_RECEIVE_COUNT', 5),
        visibilityTimeoutSeconds: envInt('STACK_VISIBILITY_TIMEOUT_SECONDS', 30),
        python: process.env.STACK_PYTHON,
        log,
      });
      console.log(started ? 'local stack is up:' : 'local stack was already up:');
      for (const [key, value] of Object.entries(env)) console.log(`  ${key}=${value}`);
      console.log('(written to .stack/env)');
      return;
    }
    case 'down':
      await down();
      console.log('local stack stopped');
      return;
    default:
      console.error('usage: stack/cli.ts up|down|install');
      process.exitCode = 2;
  }
}

await main(process.argv[2]);
