import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Shutdown, untilAborted, type ShutdownStep } from '../../src/lifecycle/shutdown.js';

/** A stand-in for `process`: signals and errors are emitted by the test; exit is recorded. */
class FakeProcess extends EventEmitter {
  readonly exits: number[] = [];
  exit(code?: number): void {
    this.exits.push(code ?? 0);
  }
}

function quietLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn(), fatal: vi.fn() };
}

function recordingStep(name: string, log: string[], ms = 0): ShutdownStep {
  return {
    name,
    run: () =>
      new Promise<void>((resolve) => {
        setTimeout(() => {
          log.push(name);
          resolve();
        }, ms);
      }),
  };
}

const hanging: ShutdownStep = { name: 'drain', run: () => new Promise<void>(() => undefined) };

describe('Shutdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the steps in the given order, flushes logs last, and exits 0 after SIGTERM', async () => {
    const order: string[] = [];
    const proc = new FakeProcess();
    const shutdown = new Shutdown({
      deadlineMs: 10_000,
      logger: quietLogger(),
      steps: [
        recordingStep('readiness', order),
        recordingStep('stop polling', order, 50),
        recordingStep('drain', order, 3_000),
        recordingStep('close databend', order),
      ],
      flush: () => {
        order.push('flush');
        return Promise.resolve();
      },
    });
    shutdown.install(proc);
    proc.emit('SIGTERM');
    await vi.runAllTimersAsync();
    expect(order).toEqual(['readiness', 'stop polling', 'drain', 'close databend', 'flush']);
    expect(proc.exits).toEqual([0]);
  });

  it('aborts its signal as soon as shutdown begins, so waits elsewhere can end', () => {
    const shutdown = new Shutdown({ deadlineMs: 1_000, logger: quietLogger(), steps: [] });
    expect(shutdown.signal.aborted).toBe(false);
    void shutdown.run({ kind: 'request', reason: 'test', failed: false });
    expect(shutdown.signal.aborted).toBe(true);
  });

  it('runs only once however often it is asked', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = new Shutdown({
      deadlineMs: 1_000,
      logger: quietLogger(),
      steps: [recordingStep('close', order, 10)],
      exit: (code) => exits.push(code),
    });
    const first = shutdown.run({ kind: 'request', reason: 'a', failed: false });
    const second = shutdown.run({ kind: 'request', reason: 'b', failed: true });
    await vi.runAllTimersAsync();
    expect(await first).toBe(0);
    expect(await second).toBe(0);
    expect(order).toEqual(['close']);
    expect(exits).toEqual([0]);
  });

  it('aborts the steps at the deadline; a step that honours it ends in 0 and the rest still run', async () => {
    const order: string[] = [];
    const signals: AbortSignal[] = [];
    const exits: number[] = [];
    const shutdown = new Shutdown({
      deadlineMs: 5_000,
      logger: quietLogger(),
      steps: [
        recordingStep('readiness', order),
        {
          name: 'drain',
          run: (signal) =>
            new Promise<void>((resolve) => {
              signal.addEventListener('abort', () => {
                order.push('release');
                resolve();
              });
            }),
        },
        { name: 'close sqs', run: (signal) => void signals.push(signal) },
      ],
      exit: (code) => exits.push(code),
    });
    const done = shutdown.run({ kind: 'signal', signal: 'SIGTERM' });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(order).toEqual(['readiness']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe(0);
    expect(order).toEqual(['readiness', 'release']);
    expect(signals.map((s) => s.aborted)).toEqual([true]);
    expect(exits).toEqual([0]);
  });

  it('abandons a step that ignores the abort after the grace, skips the rest, and exits 1', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const logger = quietLogger();
    const shutdown = new Shutdown({
      deadlineMs: 5_000,
      abortGraceMs: 1_000,
      logger,
      steps: [recordingStep('readiness', order), hanging, recordingStep('close sqs', order)],
      exit: (code) => exits.push(code),
    });
    const done = shutdown.run({ kind: 'signal', signal: 'SIGTERM' });
    await vi.advanceTimersByTimeAsync(5_999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe(1);
    expect(order).toEqual(['readiness']);
    expect(exits).toEqual([1]);
    expect(logger.error).toHaveBeenCalledWith(
      { step: 'drain' },
      'shutdown step ignored the deadline: abandoned',
    );
  });

  it('untilAborted ends a wait at the abort, and at once when it already happened', async () => {
    const never = new Promise<void>(() => undefined);
    const controller = new AbortController();
    let ended = false;
    void untilAborted(never, controller.signal).then(() => (ended = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ended).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toBe(true);
    await expect(untilAborted(Promise.reject(new Error('late')), controller.signal)).resolves.toBe(
      undefined,
    );
    await expect(
      untilAborted(Promise.reject(new Error('early')), new AbortController().signal),
    ).rejects.toThrow('early');
  });

  it('goes on with the next step after one fails, and exits 1', async () => {
    const order: string[] = [];
    const logger = quietLogger();
    const shutdown = new Shutdown({
      deadlineMs: 1_000,
      logger,
      steps: [
        {
          name: 'close databend',
          run: () => Promise.reject(new Error('connection reset')),
        },
        recordingStep('close sqs', order),
      ],
    });
    const done = shutdown.run({ kind: 'signal', signal: 'SIGTERM' });
    await vi.runAllTimersAsync();
    expect(await done).toBe(1);
    expect(order).toEqual(['close sqs']);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ step: 'close databend' }),
      'shutdown step failed',
    );
  });

  it('exits at once with 128 + the signal number on a second signal', async () => {
    const proc = new FakeProcess();
    const shutdown = new Shutdown({ deadlineMs: 30_000, logger: quietLogger(), steps: [hanging] });
    shutdown.install(proc);
    proc.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(proc.exits).toEqual([]);
    proc.emit('SIGINT');
    expect(proc.exits).toEqual([130]);
  });

  it('logs an uncaught exception, shuts down and exits 1', async () => {
    const proc = new FakeProcess();
    const logger = quietLogger();
    const order: string[] = [];
    const shutdown = new Shutdown({
      deadlineMs: 1_000,
      logger,
      steps: [recordingStep('close', order)],
    });
    shutdown.install(proc);
    const error = new Error('boom');
    proc.emit('uncaughtException', error);
    await vi.runAllTimersAsync();
    expect(logger.fatal).toHaveBeenCalledWith(
      expect.objectContaining({ err: error, origin: 'uncaughtException' }),
      expect.any(String),
    );
    expect(order).toEqual(['close']);
    expect(proc.exits).toEqual([1]);
  });

  it('exits 1 when a rejection goes unhandled during a shutdown a signal started', async () => {
    const proc = new FakeProcess();
    const shutdown = new Shutdown({
      deadlineMs: 1_000,
      logger: quietLogger(),
      steps: [recordingStep('drain', [], 100)],
    });
    shutdown.install(proc);
    proc.emit('SIGTERM');
    proc.emit('unhandledRejection', new Error('late'), Promise.resolve());
    await vi.runAllTimersAsync();
    expect(proc.exits).toEqual([1]);
  });

  it('bounds a log flush that never finishes', async () => {
    const exits: number[] = [];
    const shutdown = new Shutdown({
      deadlineMs: 1_000,
      logger: quietLogger(),
      steps: [],
      flush: () => new Promise<void>(() => undefined),
      flushTimeoutMs: 500,
      exit: (code) => exits.push(code),
    });
    void shutdown.run({ kind: 'signal', signal: 'SIGTERM' });
    await vi.advanceTimersByTimeAsync(499);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([0]);
  });

  it('stops listening to the process after uninstall', () => {
    const proc = new FakeProcess();
    const shutdown = new Shutdown({ deadlineMs: 1_000, logger: quietLogger(), steps: [] });
    const uninstall = shutdown.install(proc);
    uninstall();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('uncaughtException')).toBe(0);
    expect(shutdown.started).toBe(false);
  });
});
