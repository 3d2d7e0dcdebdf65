// What the Docker image runs, without Docker: its CMD (`node … dist/main.js run`) from a directory holding
// only dist/, package.json, the lock and production dependencies, as the Dockerfile lays them out.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageCommand } from '../support/image-command.js';
import { testTarget } from '../support/pipeline.js';
import { loadStackEnv } from '../support/stack.js';
import { freePort } from '../../stack/processes.js';

const root = join(import.meta.dirname, '..', '..');

/** The Dockerfile's exec-form HEALTHCHECK CMD. */
function healthcheckCommand(): string[] {
  const line = /^\s+CMD (\[.*\])$/m.exec(
    readFileSync(join(root, 'Dockerfile'), 'utf8').split('HEALTHCHECK')[1] ?? '',
  )?.[1];
  const command: unknown = JSON.parse(line ?? 'null');
  if (!Array.isArray(command) || command[0] !== 'node')
    throw new Error('the Dockerfile has no exec-form HEALTHCHECK running node');
  return command as string[];
}

describe('the image layout', () => {
  it('serves health and metrics and stops cleanly on SIGTERM', { timeout: 600_000 }, async () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const app = mkdtempSync(join(tmpdir(), 'image-'));
    cpSync(join(root, 'dist'), join(app, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json'])
      cpSync(join(root, file), join(app, file));
    const install = spawnSync(
      'npm',
      ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
      { cwd: app, encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);

    const { config } = await testTarget('image');
    const port = await freePort();
    const configFile = join(app, 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...config, http: { host: '127.0.0.1', port } }));
    const stack = loadStackEnv();
    // The image's CMD, with this machine's Node 24 for `node`.
    const child = spawn(process.execPath, imageCommand().slice(1), {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        BEND_REPLICATOR_CONFIG: configFile,
        AWS_ACCESS_KEY_ID: stack.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stack.secretAccessKey,
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    try {
      let ready = 0;
      for (let i = 0; i < 100 && ready !== 200; i++) {
        await new Promise((r) => setTimeout(r, 300));
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
      }
      expect(ready).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain(
        'bend_replicator_message_outcomes_total',
      );
      // The image's HEALTHCHECK, run as Docker runs it: the port comes from the config file.
      const healthcheck = healthcheckCommand();
      const check = spawnSync(process.execPath, healthcheck.slice(1), {
        cwd: app,
        env: { PATH: process.env.PATH, BEND_REPLICATOR_CONFIG: configFile },
        encoding: 'utf8',
      });
      expect(check.status, check.stderr).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
