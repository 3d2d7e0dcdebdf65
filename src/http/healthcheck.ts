/**
 * The container's health check (Dockerfile HEALTHCHECK, the ECS task's healthCheck):
 * `node dist/http/healthcheck.js` asks `/healthz` on the address the service listens on, read the
 * way the service reads it — the file named by BEND_REPLICATOR_CONFIG, then
 * BEND_REPLICATOR_HTTP_PORT — so a port set in the file is probed, not a hard-coded 9464.
 * Exits 0 when the service says it is alive, 1 otherwise. Only the `http` section is read: a
 * check must not fail because, say, a secret file is unreadable to it.
 */
import { pathToFileURL } from 'node:url';
import { configTree } from '../config.js';

const DEFAULT_PORT = 9464;
const TIMEOUT_MS = 4_000;
/** Addresses that mean "every interface": probe the loopback instead. */
const WILDCARD_HOSTS = new Set(['', '::', '0.0.0.0']);

export function healthzUrl(env: Readonly<Record<string, string | undefined>>): string {
  const http = configTree(env).http as { host?: unknown; port?: unknown };
  const port = typeof http.port === 'number' ? http.port : DEFAULT_PORT;
  const host = typeof http.host === 'string' ? http.host : '';
  // `localhost`: Node tries ::1 and 127.0.0.1, so it reaches a `::` listener on any stack.
  const target = WILDCARD_HOSTS.has(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${target}:${port}/healthz`;
}

async function main(): Promise<number> {
  try {
    const response = await fetch(healthzUrl(process.env), {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return response.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`health check failed: ${(error as Error).message}\n`);
    return 1;
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href)
  process.exitCode = await main();
