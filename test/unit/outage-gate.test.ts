import type { Message } from '@aws-sdk/client-sqs';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { holdingThroughOutages, OutageGate } from '../../src/ingest/outage-gate.js';
import type { MessageOutcome } from '../../src/ingest/sqs-consumer.js';

const silent = createLogger({
  level: 'fatal',
  destination: new Writable({ write: (_chunk, _enc, done) => done() }),
});

/** A gate whose probe answers with `down` (what does not answer) and counts its calls. */
function gateWith(state: { down: string[] }) {
  const probes: number[] = [];
  const gate = new OutageGate({
    probe: () => {
      probes.push(Date.now());
      return Promise.resolve([...state.down]);
    },
    probeBackoffMs: 1_000,
    probeMaxBackoffMs: 8_000,
    logger: silent,
  });
  return { gate, probes };
}

const RETRY: MessageOutcome = { kind: 'retry', backoffSeconds: 30 };
const message: Message = { MessageId: 'm1', ReceiptHandle: 'r1', Body: '{}' };

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the outage gate', () => {
  it('stays open when a failure is the batch’s own: every dependency answers', async () => {
    const { gate } = gateWith({ down: [] });
    expect(await gate.confirm()).toBe(false);
    expect(await gate.whenUp()).toBe(true);
  });

  it('closes while a dependency is down, probing with a doubling wait, and opens by itself', async () => {
    const state = { down: ['databend'] };
    const { gate, probes } = gateWith(state);
    expect(await gate.confirm()).toBe(true);
    expect(gate.outage).toEqual(['databend']);
    let up: boolean | undefined;
    void gate.whenUp().then((v) => (up = v));
    await vi.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000 + 8_000 + 8_000);
    // One probe to confirm, then after 1, 2, 4, 8 and 8 (the most) seconds.
    expect(probes).toEqual([0, 1_000, 3_000, 7_000, 15_000, 23_000]);
    expect(up).toBeUndefined();
    state.down = [];
    await vi.advanceTimersByTimeAsync(8_000);
    expect(up).toBe(true);
    expect(gate.outage).toEqual([]);
    expect(await gate.confirm()).toBe(false);
  });

  it('gives up waits on release and on abort, and probes no more once stopped', async () => {
    const { gate, probes } = gateWith({ down: ['s3'] });
    await gate.confirm();
    const released = gate.whenUp();
    gate.release();
    expect(await released).toBe(false);
    const controller = new AbortController();
    const aborted = gate.whenUp(controller.signal);
    controller.abort();
    expect(await aborted).toBe(false);
    gate.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probes).toHaveLength(1);
    expect(await gate.whenUp()).toBe(false);
  });
});

describe('holding messages through an outage', () => {
  it('holds a message whose files failed while Databend was down and handles it again once it answers', async () => {
    const state = { down: ['databend'] };
    const { gate } = gateWith(state);
    const outcomes: MessageOutcome[] = [RETRY, { kind: 'done' }];
    const handle = vi.fn(() => Promise.resolve(outcomes.shift() ?? RETRY));
    let outcome: MessageOutcome | undefined;
    void holdingThroughOutages(handle, gate)(message).then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(outcome).toBeUndefined();
    expect(handle).toHaveBeenCalledTimes(1);
    state.down = [];
    await vi.advanceTimersByTimeAsync(8_000);
    expect(outcome).toEqual({ kind: 'done' });
    expect(handle).toHaveBeenCalledTimes(2);
  });

  it('returns an ordinary retry when every dependency answers', async () => {
    const { gate } = gateWith({ down: [] });
    expect(await holdingThroughOutages(() => Promise.resolve(RETRY), gate)(message)).toEqual(RETRY);
  });

  it('never holds a retry without backoff (the replica may not write any more)', async () => {
    const { gate, probes } = gateWith({ down: ['databend'] });
    const noBackoff: MessageOutcome = { kind: 'retry', backoffSeconds: 0 };
    expect(await holdingThroughOutages(() => Promise.resolve(noBackoff), gate)(message)).toEqual(
      noBackoff,
    );
    expect(probes).toHaveLength(0);
  });

  it('holds a message whose handler threw during an outage, and rethrows once the wait is given up', async () => {
    const { gate } = gateWith({ down: ['databend'] });
    const handled = holdingThroughOutages(
      () => Promise.reject(new Error('refused')),
      gate,
    )(message);
    const settled = handled.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    gate.stop();
    expect(await settled).toEqual(new Error('refused'));
  });

  it('returns the retry of a held message when the wait is given up (shutdown)', async () => {
    const { gate } = gateWith({ down: ['s3'] });
    const handled = holdingThroughOutages(() => Promise.resolve(RETRY), gate)(message);
    await vi.advanceTimersByTimeAsync(3_000);
    gate.stop();
    expect(await handled).toEqual(RETRY);
  });
});
