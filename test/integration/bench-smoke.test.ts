// Keeps the benchmark harness working: `npm run bench` with tiny parameters writes its JSON,
// Markdown and PNG, and ODS converges. Figures and timings are never asserted here.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyParams } from '../../bench/params.js';
import { percentile, summarize } from '../../bench/harness/stats.js';
import { statCpuMs, statusFieldBytes } from '../../bench/harness/proc-stats.js';
import { databendTimestampMs } from '../../bench/harness/ledger.js';
import { guideMergeSql } from '../../bench/guide/guide-sql.js';
import { connect } from '../support/stack.js';

const repoRoot = join(import.meta.dirname, '..', '..');

async function bench(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/cli.ts', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function readResult(dir: string, name: string): Record<string, unknown> {
  expect(existsSync(join(dir, `${name}.md`))).toBe(true);
  expect(existsSync(join(dir, `${name}.png`))).toBe(true);
  const png = readFileSync(join(dir, `${name}.png`));
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

describe('the benchmark harness', () => {
  it('measures a tiny latency run of the service and the guide and reports both', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const run = await bench([
      'latency',
      ...['--tables', '2', '--seconds', '3', '--min-rows', '20', '--max-rows', '50'],
      ...['--guide-interval-ms', '2000', '--drain-seconds', '90'],
      ...['--runner', 'tsx', '--out', out],
    ]);
    expect(run.code, run.output).toBe(0);
    const result = readResult(out, 'latency');
    expect(result).toMatchObject({
      name: 'latency',
      params: { tables: 2, seconds: 3, guide: true },
      converged: { service: true },
    });
    const figures = result.figures as Record<string, Record<string, unknown>>;
    expect(figures.latencySeconds?.service).toMatchObject({ count: 6 });
    expect(figures.latencySeconds?.guide).toMatchObject({ count: 6 });
    expect(figures.notCommitted).toEqual({ service: 0, guide: 0 });
    expect(typeof (result.converged as Record<string, unknown>).guide).toBe('boolean');
    expect((result.targets as unknown[]).length).toBeGreaterThan(0);
  }, 240_000);

  it('runs one stream on fresh and on (tiny) aged tables and reports aged ÷ fresh', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const name = `bench_smoke_aged_${Date.now().toString(36)}`;
    try {
      const run = await bench([
        'aged',
        ...['--seconds', '3', '--min-rows', '20', '--max-rows', '50', '--drain-seconds', '90'],
        ...['--ledger-rows', '20000', '--ledger-tables', '20', '--small-ledger-rows', '1000'],
        ...['--raw-rows', '5000', '--raw-days', '2', '--ods-rows', '20000'],
        ...[
          '--small-ods-rows',
          '2000',
          '--probes',
          '1',
          '--spread-probes',
          '1',
          '--aged-name',
          name,
        ],
        ...['--runner', 'tsx', '--out', out],
      ]);
      expect(run.code, run.output).toBe(0);
      const result = readResult(out, 'aged');
      expect(typeof result.agedOverFresh).toBe('number');
      expect(result.converged).toEqual({ fresh: true, aged: true });
      const figures = result.figures as Record<string, Record<string, unknown>>;
      expect(figures.fresh?.notCommitted).toBe(0);
      expect(figures.aged?.notCommitted).toBe(0);
      expect(figures.aged?.putToCommitSeconds).toMatchObject({ count: 3 });
    } finally {
      const conn = await connect();
      for (const suffix of ['raw', 'ods', 'control', 'small_control'])
        await conn.exec(`DROP DATABASE IF EXISTS ${name}_${suffix}`);
      await conn.close();
    }
  }, 300_000);

  it('drains a tiny backlog with the floor, the service and one file per batch', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const run = await bench([
      'throughput',
      ...['--tables', '1', '--files', '3', '--rows', '50'],
      ...['--runner', 'tsx', '--out', out, '--label', 'tiny'],
    ]);
    expect(run.code, run.output).toBe(0);
    const result = readResult(out, 'throughput-tiny');
    expect(result.converged).toEqual({
      floor: true,
      service: true,
      'floor, batched as the service was': true,
      'service, 1 file per batch': true,
    });
    const figures = result.figures as { runs: { variant: string; rowsPerSecond: number }[] };
    expect(figures.runs.map((r) => r.variant).sort()).toEqual([
      'floor',
      'floor, batched as the service was',
      'service',
      'service, 1 file per batch',
    ]);
    expect(figures.runs.every((r) => r.rowsPerSecond > 0)).toBe(true);
  }, 240_000);

  it('drains a tiny backlog with one and two replicas, and with two services splitting the tables', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const run = await bench([
      'replicas',
      ...['--replicas', '1,2', '--tables', '2', '--files', '2', '--rows', '50', '--repeat', '1'],
      ...['--runner', 'tsx', '--out', out],
    ]);
    expect(run.code, run.output).toBe(0);
    const result = readResult(out, 'replicas');
    const split = 'two active services, half the tables each';
    expect(result.converged).toEqual({ '1 replica': true, '2 replicas': true, [split]: true });
    const figures = result.figures as { runs: { variant: string; writers: number }[] };
    // One lease: one of the two replicas loads; split: both services load.
    expect(figures.runs.map((r) => [r.variant, r.writers])).toEqual([
      ['1 replica', 1],
      ['2 replicas', 1],
      [split, 2],
    ]);
  }, 300_000);

  it('strikes the lease holder with SIGKILL and SIGSTOP and times each takeover', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const run = await bench([
      'failover',
      ...['--takeovers', '2', '--lease-ttl-ms', '3000', '--renew-interval-ms', '1000'],
      ...['--settle-seconds', '2', '--rows', '20', '--file-interval-ms', '500'],
      ...['--runner', 'tsx', '--out', out],
    ]);
    expect(run.code, run.output).toBe(0);
    const result = readResult(out, 'failover');
    expect(result.converged).toEqual({ service: true });
    const figures = result.figures as {
      takeovers: { signal: string; acquiredMs: number; firstCommitMs: number }[];
    };
    expect(figures.takeovers.map((t) => t.signal)).toEqual(['SIGKILL', 'SIGSTOP']);
    for (const t of figures.takeovers) expect(t.firstCommitMs).toBeGreaterThanOrEqual(t.acquiredMs);
  }, 300_000);
});

describe('the harness’s pure parts', () => {
  it('interpolates percentiles between the nearest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10], 99)).toBe(10);
    expect(summarize([3, 1, 2])).toMatchObject({ count: 3, min: 1, p50: 2, max: 3, mean: 2 });
  });

  it('reads flags into the defaults by their type and names an unknown flag', () => {
    const defaults = { tables: 5, guide: true, runner: 'dist' };
    expect(applyParams(defaults, ['--tables', '2', '--guide', 'false'])).toEqual({
      tables: 2,
      guide: false,
      runner: 'dist',
    });
    expect(() => applyParams(defaults, ['--table', '2'])).toThrow(/unknown flag --table/);
    expect(() => applyParams(defaults, ['--tables', 'many'])).toThrow(/takes a number/);
  });

  it('reads CPU time and peak memory from /proc text, names with spaces included', () => {
    const stat = '42 (node (main) x) S 1 42 42 0 -1 4194304 1 0 0 0 150 50 0 0 20 0 1 0';
    expect(statCpuMs(stat)).toBe(2_000);
    expect(statusFieldBytes('VmHWM:\t  1948 kB\nVmRSS:\t 100 kB\n', 'VmHWM')).toBe(1948 * 1024);
  });

  it('reads Databend timestamps as UTC with microseconds cut to fractional milliseconds', () => {
    expect(databendTimestampMs('2026-11-28 01:21:59.123456')).toBe(
      Date.parse('2026-11-28T01:21:59Z') + 123.456,
    );
  });

  it('writes the guide’s MERGE with its ROW_NUMBER pick and its NOT MATCHED rule', () => {
    const sql = guideMergeSql(
      {
        rawDatabase: 'r',
        odsDatabase: 'o',
        table: 't',
        columns: [{ name: 'id', type: 'BIGINT' }],
        primaryKey: ['id'],
        opColumn: 'Op',
        timestampColumn: '_dms_ingestion_timestamp',
        deleteStamp: undefined,
      },
      null,
      '2026-01-01 00:00:00',
    );
    expect(sql).toContain('ORDER BY _ts DESC) = 1');
    expect(sql).toContain("WHEN NOT MATCHED AND source._op != 'D'");
  });
});
