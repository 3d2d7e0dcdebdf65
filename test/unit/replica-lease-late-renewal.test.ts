// A holder whose renewal takes longer than the lease waits for it: the renewal keeps the lease,
// and the batch that waited writes instead of returning its messages to SQS.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionPool, SqlSession } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { ReplicaLease } from '../../src/lifecycle/replica-lease.js';

const TTL_MS = 4_000;
const OWNER = 'replica@test/1';

/** An engine whose lease row is ours; a renewal's UPDATE answers after `renewalMs`. */
function leaseWith(renewalMs: { value: number }): ReplicaLease {
  const session: SqlSession = {
    exec: async (sql) => {
      if (sql.startsWith('UPDATE') && sql.includes('heartbeat_at'))
        await new Promise((r) => setTimeout(r, renewalMs.value));
      return 1;
    },
    query: () =>
      Promise.resolve([{ owner: OWNER, token: 7, expires_in_ms: TTL_MS, heartbeat_ago_ms: 0 }]),
  };
  const pool = { with: <T>(work: (s: SqlSession) => Promise<T>) => work(session) };
  return new ReplicaLease({
    pool: pool as unknown as SessionPool,
    controlDatabase: 'control',
    name: 'replicas',
    owner: OWNER,
    ttlMs: TTL_MS,
    renewIntervalMs: 1_000,
    events: new PipelineEvents(),
    logger: pino({ level: 'silent' }),
    onAcquired: () => undefined,
    onLost: () => undefined,
    now: () => Date.now(),
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a lease renewal that comes back late', () => {
  it('is waited for past a lease’s length of waiting when it is under way then', async () => {
    const renewalMs = { value: 0 };
    const lease = leaseWith(renewalMs);
    await lease.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(lease.writer()?.lease?.token).toBe(7);
    // Renewals now take 3.8 s of a 4 s lease, and one starts 1 s after the last came back: the
    // lease runs out on this process's clock for 0.8 s of every 4.8 s.
    renewalMs.value = 3_800;
    await vi.advanceTimersByTimeAsync(10_000);
    while (lease.writer() !== undefined) await vi.advanceTimersByTimeAsync(50);
    expect(lease.holding).toBe(true);
    let waited: unknown = 'waiting';
    void lease.awaitWriter().then((w) => (waited = w));
    // A lease's length later the next renewal is under way (it answers 0.5 s after that).
    await vi.advanceTimersByTimeAsync(TTL_MS + 50);
    expect(waited).toBe('waiting');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(waited).toEqual({ owner: OWNER, lease: { name: 'replicas', token: 7 } });
    renewalMs.value = 0;
    await lease.stop();
  });
});
