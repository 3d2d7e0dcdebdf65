import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Readiness, type ReadinessCheck } from '../../src/http/readiness.js';
import { databendCheck, type ProbeConnection } from '../../src/http/probes.js';

function passing(name: string, calls: { count: number } = { count: 0 }): ReadinessCheck {
  return {
    name,
    probe: () => {
      calls.count += 1;
      return Promise.resolve();
    },
  };
}

function failing(name: string, message: string): ReadinessCheck {
  return { name, probe: () => Promise.reject(new Error(message)) };
}

const never: ReadinessCheck = { name: 'sqs', probe: () => new Promise<void>(() => undefined) };

describe('Readiness', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is ready when every dependency answers', async () => {
    const readiness = new Readiness({ checks: [passing('databend'), passing('sqs')] });
    const report = await readiness.check();
    expect(report.ready).toBe(true);
    expect(report.failed).toEqual([]);
    expect(Object.keys(report.checks)).toEqual(['databend', 'sqs']);
  });

  it('names the dependency that failed and why, with credentials scrubbed', async () => {
    const readiness = new Readiness({
      checks: [
        passing('sqs'),
        failing('databend', 'cannot reach databend://root:hunter2@db:8000/ (refused)'),
      ],
    });
    const report = await readiness.check();
    expect(report.ready).toBe(false);
    expect(report.failed).toEqual(['databend']);
    expect(report.checks.databend?.error).toBe(
      'cannot reach databend://root:***@db:8000/ (refused)',
    );
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });

  it('counts a probe that does not answer within the timeout as failed', async () => {
    const readiness = new Readiness({ checks: [passing('databend'), never], timeoutMs: 500 });
    const pending = readiness.check();
    await vi.advanceTimersByTimeAsync(500);
    const report = await pending;
    expect(report.ready).toBe(false);
    expect(report.failed).toEqual(['sqs']);
    expect(report.checks.sqs?.error).toMatch(/within 500 ms/);
  });

  it('reuses a result for the cache period so scrapes cannot load Databend', async () => {
    const calls = { count: 0 };
    const readiness = new Readiness({ checks: [passing('databend', calls)], cacheMs: 2_000 });
    await readiness.check();
    await readiness.check();
    await vi.advanceTimersByTimeAsync(1_999);
    await readiness.check();
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await readiness.check();
    expect(calls.count).toBe(2);
  });

  it('shares one probe among callers that ask while it runs', async () => {
    const calls = { count: 0 };
    const slow: ReadinessCheck = {
      name: 'databend',
      probe: () => {
        calls.count += 1;
        return new Promise<void>((resolve) => setTimeout(resolve, 100));
      },
    };
    const readiness = new Readiness({ checks: [slow] });
    const all = Promise.all([readiness.check(), readiness.check(), readiness.check()]);
    await vi.advanceTimersByTimeAsync(100);
    const reports = await all;
    expect(calls.count).toBe(1);
    expect(reports.every((r) => r.ready)).toBe(true);
  });

  it('reports not ready without probing once shutdown began', async () => {
    const calls = { count: 0 };
    const readiness = new Readiness({ checks: [passing('databend', calls)] });
    expect((await readiness.check()).ready).toBe(true);
    readiness.markShuttingDown();
    const report = await readiness.check();
    expect(report).toMatchObject({ ready: false, shuttingDown: true, failed: ['shutdown'] });
    expect(calls.count).toBe(1);
  });
});

describe('databendCheck', () => {
  function fakeClient(answers: (() => Promise<unknown>)[]) {
    const opened: { closed: boolean }[] = [];
    return {
      opened,
      client: {
        getConn: (): Promise<ProbeConnection> => {
          const state = { closed: false };
          opened.push(state);
          return Promise.resolve({
            queryRow: () => answers.shift()?.() ?? Promise.resolve({}),
            close: () => {
              state.closed = true;
              return Promise.resolve();
            },
          });
        },
      },
    };
  }

  it('reuses one connection while Databend answers', async () => {
    const { client, opened } = fakeClient([]);
    const check = databendCheck(client);
    const signal = new AbortController().signal;
    await check.probe(signal);
    await check.probe(signal);
    expect(opened).toHaveLength(1);
  });

  it('drops a connection after a failure and logs in afresh next time', async () => {
    const { client, opened } = fakeClient([() => Promise.reject(new Error('[5111] session lost'))]);
    const check = databendCheck(client);
    const signal = new AbortController().signal;
    await expect(check.probe(signal)).rejects.toThrow(/session lost/);
    await check.probe(signal);
    expect(opened).toHaveLength(2);
    expect(opened[0]?.closed).toBe(true);
  });

  it('rejects when the server returns no row', async () => {
    const { client } = fakeClient([() => Promise.resolve(null)]);
    await expect(databendCheck(client).probe(new AbortController().signal)).rejects.toThrow(
      /no row/,
    );
  });

  it('closes its connection on close', async () => {
    const { client, opened } = fakeClient([]);
    const check = databendCheck(client);
    await check.probe(new AbortController().signal);
    await check.close();
    expect(opened[0]?.closed).toBe(true);
  });
});
