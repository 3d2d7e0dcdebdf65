// The operations endpoints against the real local stack: /metrics after pipeline events, and
// /readyz probing the real Databend (SELECT 1) and the real queue (GetQueueAttributes).
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Client } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineEvents } from '../../src/events.js';
import { databendCheck, sqsCheck, type DatabendCheck } from '../../src/http/probes.js';
import { Readiness } from '../../src/http/readiness.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { loadStackEnv, sqs } from '../support/stack.js';

const stack = loadStackEnv();
const queue = sqs(stack);
const silent = createLogger({
  level: 'fatal',
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});

/**
 * A TCP relay in front of Databend that can be stopped and started on the same port: to the
 * service, Databend goes away and comes back, while the shared engine keeps serving other tests.
 */
class Relay {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const databendUrl = new URL(stack.dsn.replace(/^databend/, 'http'));
const relay = new Relay(databendUrl.hostname, Number(databendUrl.port));
const events = new PipelineEvents();
const metrics = new Metrics();
metrics.subscribe(events);
let databend: DatabendCheck;
let server: HttpServer;

function viaRelay(dsn: string, port: number): string {
  const url = new URL(dsn);
  url.port = String(port);
  return url.toString();
}

beforeAll(async () => {
  await relay.start();
  databend = databendCheck(new Client(viaRelay(stack.dsn, relay.port)));
  const readiness = new Readiness({
    checks: [databend, sqsCheck(queue, stack.queueUrl)],
    timeoutMs: 3_000,
    cacheMs: 0,
  });
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    readiness,
    logger: silent,
  });
});

afterAll(async () => {
  await server.close();
  await databend.close();
  await relay.stop();
  queue.destroy();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

function value(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('exposes every documented metric name with help text', async () => {
    const body = await scrape();
    for (const name of [
      'files_loaded_total',
      'rows_loaded_total',
      'rows_merged_total',
      'batches_total',
      'copy_duration_seconds',
      'merge_duration_seconds',
      'batch_duration_seconds',
      'lag_seconds',
      'commit_lag_seconds',
      'held_files',
      'build_info',
      'pending_files',
      'oldest_pending_age_seconds',
      'message_outcomes_total',
      'databend_errors_total',
      'tables_paused',
      'files_found_by_sweep_total',
      'raw_retention_rows_deleted_total',
      'raw_retention_runs_total',
    ])
      expect(body).toMatch(new RegExp(`^# HELP bend_replicator_${name} \\S`, 'm'));
    expect(body).toContain('process_resident_memory_bytes');
  });

  it('counts a committed batch once it is emitted', async () => {
    const series = 'bend_replicator_files_loaded_total{table="http_metrics_orders"}';
    expect(value(await scrape(), series)).toBeUndefined();
    events.emit('batch:committed', {
      table: 'http_metrics_orders',
      batchId: 'b-1',
      files: 2,
      rows: { I: 3, U: 1, D: 0 },
      rowsMerged: 3,
      copyMs: 10,
      mergeMs: 5,
      totalMs: 20,
    });
    const body = await scrape();
    expect(value(body, series)).toBe(2);
    expect(
      value(body, 'bend_replicator_rows_loaded_total{table="http_metrics_orders",op="I"}'),
    ).toBe(3);
  });
});

describe('/readyz', () => {
  it('is 200 when the real Databend and the real queue answer', async () => {
    const response = await fetch(`${server.url}/readyz`);
    const report = (await response.json()) as { ready: boolean; checks: Record<string, unknown> };
    expect(response.status, JSON.stringify(report)).toBe(200);
    expect(report).toMatchObject({
      ready: true,
      checks: { databend: { ok: true }, sqs: { ok: true } },
    });
  });

  it('is 503 naming databend while Databend is unreachable, and recovers when it is back', async () => {
    await relay.stop();
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      ready: false,
      failed: ['databend'],
      checks: { databend: { ok: false }, sqs: { ok: true } },
    });

    await relay.start();
    const up = await fetch(`${server.url}/readyz`);
    expect(up.status).toBe(200);
  });

  it('is 503 naming sqs when the queue does not exist', async () => {
    const readiness = new Readiness({
      checks: [sqsCheck(queue, `${stack.queueUrl}-missing`)],
      cacheMs: 0,
      timeoutMs: 3_000,
    });
    const other = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      readiness,
      logger: silent,
    });
    try {
      const response = await fetch(`${other.url}/readyz`);
      expect(response.status).toBe(503);
      const report = (await response.json()) as {
        failed: string[];
        checks: { sqs: { error: string } };
      };
      expect(report.failed).toEqual(['sqs']);
      expect(report.checks.sqs.error).toMatch(/queue/i);
    } finally {
      await other.close();
    }
  });
});
