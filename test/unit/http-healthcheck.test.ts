// The image's health check probes the port the service was configured with, wherever it was set.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { healthzUrl } from '../../src/http/healthcheck.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'healthcheck-'));

function configFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

/** Runs the check as the image does, in a process of its own; resolves to its exit code. */
async function check(env: Record<string, string>): Promise<number> {
  try {
    await run(process.execPath, ['--import', 'tsx', 'src/http/healthcheck.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health check', () => {
  it('reads the port from the configuration file, and the variable over it', () => {
    const file = configFile('port.yaml', 'http:\n  port: 19464\n');
    expect(healthzUrl({ BEND_REPLICATOR_CONFIG: file })).toBe('http://localhost:19464/healthz');
    expect(healthzUrl({ BEND_REPLICATOR_CONFIG: file, BEND_REPLICATOR_HTTP_PORT: '9500' })).toBe(
      'http://localhost:9500/healthz',
    );
    expect(healthzUrl({})).toBe('http://localhost:9464/healthz');
    const bound = configFile('host.yaml', 'http:\n  host: "::1"\n  port: 9000\n');
    expect(healthzUrl({ BEND_REPLICATOR_CONFIG: bound })).toBe('http://[::1]:9000/healthz');
  });

  it('exits 0 while the service answers on the configured port, 1 when it does not', async () => {
    server = await startHttpServer({
      host: '::',
      port: 0,
      logger: createLogger({
        level: 'fatal',
        destination: new Writable({ write: (_chunk, _enc, done) => done() }),
      }),
      metrics: { render: () => Promise.resolve({ contentType: 'text/plain', body: '' }) },
      readiness: {
        check: () => Promise.resolve({ ready: true, shuttingDown: false, failed: [], checks: {} }),
      },
    });
    const file = configFile('live.yaml', `http:\n  port: ${server.port}\n`);
    expect(await check({ BEND_REPLICATOR_CONFIG: file })).toBe(0);
    await server.close();
    server = undefined;
    expect(await check({ BEND_REPLICATOR_CONFIG: file })).toBe(1);
  });
});
