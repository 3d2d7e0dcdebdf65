import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { ReadinessReport } from '../../src/http/readiness.js';
import { startHttpServer, type HttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';

const silent = createLogger({
  level: 'fatal',
  destination: new Writable({ write: (_chunk, _enc, done) => done() }),
});

const READY: ReadinessReport = { ready: true, shuttingDown: false, failed: [], checks: {} };

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<HttpServer> {
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: silent,
    metrics: {
      render: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: 'm 1\n' }),
    },
    readiness: { check: () => Promise.resolve(READY) },
    ...overrides,
  });
  return server;
}

describe('HTTP server', () => {
  it('serves the metrics text with its content type', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await response.text()).toBe('m 1\n');
  });

  it('says it is alive on /healthz, and not when liveness says otherwise', async () => {
    let alive = true;
    const { url } = await start({
      liveness: () => (alive ? { alive } : { alive, reason: 'loop stalled' }),
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    alive = false;
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ alive: false, reason: 'loop stalled' });
  });

  it('answers /readyz with 200 when ready and 503 naming what failed when not', async () => {
    let report: ReadinessReport = READY;
    const { url } = await start({ readiness: { check: () => Promise.resolve(report) } });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    report = {
      ready: false,
      shuttingDown: false,
      failed: ['sqs'],
      checks: { sqs: { ok: false, error: 'QueueDoesNotExist', durationMs: 3 } },
    };
    const response = await fetch(`${url}/readyz?verbose=1`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ready: false, failed: ['sqs'] });
  });

  it('answers HEAD without a body', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/healthz`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('rejects unknown paths with 404 and other methods with 405', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    const post = await fetch(`${url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 and keeps serving when rendering metrics fails', async () => {
    const { url } = await start({
      metrics: { render: () => Promise.reject(new Error('collector broke')) },
    });
    expect((await fetch(`${url}/metrics`)).status).toBe(500);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('closes promptly even with a kept-alive client connection', async () => {
    const { url } = await start();
    await fetch(`${url}/healthz`, { headers: { connection: 'keep-alive' } });
    const started = Date.now();
    await server?.close();
    server = undefined;
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('listens on IPv4 and IPv6 with the default http.host', async () => {
    const { host } = loadConfig({
      DATABEND_DSN: 'databend://u:p@db:8000/',
      S3_BUCKET: 'dms-bucket',
      SQS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
      AWS_REGION: 'eu-west-1',
    }).http;
    const { port } = await start({ host });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://[::1]:${port}/healthz`)).status).toBe(200);
  });
});
