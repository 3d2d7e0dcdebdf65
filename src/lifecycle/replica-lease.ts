/**
 * The replicas' election: holds the lease in `<control>.leases` while this process is the active
 * writer, and waits for it to expire while another one is. The holder renews it every
 * `renewIntervalMs`; a standby reads it as often and takes it once expired (crash, partition,
 * SIGSTOP) or released (clean shutdown). Every take raises the fencing token.
 *
 * Taking and renewing UPDATE the lease row inside a transaction, so two replicas racing for an
 * expired lease cannot both win (the loser's COMMIT fails with 4001/2011); the winner reads the
 * row back to be sure. The holder also stops counting itself as one as soon as its own clock
 * says the lease could have expired, before any standby may take it; and the token is checked
 * again inside every batch transaction (merge/batch-fence.ts).
 */
import type { Logger } from 'pino';
import type { WriterFence } from '../control/claim-sql.js';
import {
  leaseFromRow,
  readLeaseSql,
  releaseLeaseSql,
  renewLeaseSql,
  seedLeaseSql,
  takeLeaseSql,
  type LeaseRow,
} from '../control/lease-sql.js';
import type { SessionPool, SqlSession } from '../databend/session-pool.js';
import { inTransaction } from '../databend/transaction.js';
import type { PipelineEvents } from '../events.js';

export interface ReplicaLeaseOptions {
  readonly pool: SessionPool;
  readonly controlDatabase: string;
  /** The lease's name: one active writer per name. */
  readonly name: string;
  /** This process, as the lease and claim rows name it. */
  readonly owner: string;
  readonly ttlMs: number;
  readonly renewIntervalMs: number;
  readonly events: PipelineEvents;
  readonly logger: Logger;
  /** Called once this process became the active writer. */
  readonly onAcquired: () => Promise<void> | void;
  /** Called once it no longer is (renewal refused, or its lease ran out). */
  readonly onLost: (reason: string) => Promise<void> | void;
  /** Local monotonic clock in ms; replaced by tests. */
  readonly now?: () => number;
}

/** What `status` and the metrics show: who holds the lease now, as the engine sees it. */
export type LeaseHolder = LeaseRow;

export class ReplicaLease {
  private held: { token: number; validUntil: number } | undefined;
  /** A renewal is on its way to the engine or back. */
  private renewing = false;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private tick: Promise<void> = Promise.resolve();
  private lastHolder: LeaseHolder | undefined;

  constructor(private readonly options: ReplicaLeaseOptions) {}

  /** The fence for a batch while this process holds a lease its own clock says is still live. */
  writer(): WriterFence | undefined {
    const held = this.held;
    if (held === undefined || this.now() >= held.validUntil) return undefined;
    return { owner: this.options.owner, lease: { name: this.options.name, token: held.token } };
  }

  get active(): boolean {
    return this.writer() !== undefined;
  }

  /**
   * Whether this process holds the lease, valid or waiting for a renewal that came back late
   * (under load a renewal can take longer than the lease's margin); false once it is lost.
   */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /**
   * The fence as soon as this process's clock says the lease is valid again (a late renewal
   * came back); undefined once it is lost, or after a lease's length of waiting. A renewal still
   * under way at that point is waited for: under load one can take longer than the lease, and
   * giving up before it answers would return the batch's messages to SQS (a receive each,
   * counted toward the dead-letter queue) although the renewal then keeps the lease.
   */
  async awaitWriter(): Promise<WriterFence | undefined> {
    const deadline = this.now() + this.options.ttlMs;
    for (;;) {
      const writer = this.writer();
      if (writer !== undefined || this.held === undefined) return writer;
      if (this.now() >= deadline && !this.renewing) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The holder as last read (by this process's own tick). */
  holder(): LeaseHolder | undefined {
    return this.lastHolder;
  }

  async start(): Promise<void> {
    // The table comes from the control-table migrations; the row is seeded here, once per name.
    await this.options.pool.with((session) =>
      session.exec(seedLeaseSql(this.options.controlDatabase, this.options.name)),
    );
    this.running = true;
    this.schedule(0);
  }

  /** Stops electing; a holder gives the lease up so a standby takes over without waiting. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.tick;
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    const { controlDatabase, name, owner } = this.options;
    await this.options.pool
      .with((s) => s.exec(releaseLeaseSql(controlDatabase, name, owner, held.token)))
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'releasing the lease failed; it will expire'),
      );
  }

  private now(): number {
    return (this.options.now ?? performance.now.bind(performance))();
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.tick = this.step().finally(() => this.schedule(this.options.renewIntervalMs));
    }, delayMs);
  }

  private async step(): Promise<void> {
    try {
      if (this.held === undefined) await this.tryTake();
      else await this.renew(this.held.token);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'the lease could not be read or written');
      // Unreachable Databend: the lease is ours only as long as our own clock allows.
      if (this.held !== undefined && this.now() >= this.held.validUntil)
        await this.lose('the lease could not be renewed before it ran out');
    }
  }

  private async tryTake(): Promise<void> {
    const { pool, controlDatabase, name, owner, ttlMs } = this.options;
    const started = this.now();
    const holder = await pool.with(async (session) => {
      const before = await readHolder(session, controlDatabase, name);
      if (before !== undefined && before.expiresInMs > 0 && before.owner !== owner) return before;
      await inTransaction(session, [takeLeaseSql(controlDatabase, name, owner, ttlMs)]);
      return readHolder(session, controlDatabase, name);
    });
    this.lastHolder = holder;
    if (holder?.owner !== owner) return;
    // Counted from before the take: our clock's lease never outlasts the engine's.
    this.held = { token: holder.token, validUntil: started + ttlMs };
    this.options.events.emit('lease:acquired', { owner, token: holder.token });
    this.options.logger.info(
      { owner, fencingToken: holder.token },
      'this replica is the active writer',
    );
    await this.options.onAcquired();
  }

  private async renew(token: number): Promise<void> {
    this.renewing = true;
    try {
      await this.renewOnce(token);
    } finally {
      this.renewing = false;
    }
  }

  private async renewOnce(token: number): Promise<void> {
    const { pool, controlDatabase, name, owner, ttlMs } = this.options;
    const started = this.now();
    const renewed = await pool.with(async (session) => {
      const rows = await inTransaction(session, [
        renewLeaseSql(controlDatabase, name, owner, token, ttlMs),
      ]).catch((error: unknown) => {
        // Another replica took it in the same moment: its commit won.
        if (isConflict(error)) return 0;
        throw error;
      });
      this.lastHolder = await readHolder(session, controlDatabase, name);
      return rows > 0;
    });
    if (renewed && this.held?.token === token) this.held = { token, validUntil: started + ttlMs };
    else await this.lose('another replica holds the lease now');
  }

  private async lose(reason: string): Promise<void> {
    if (this.held === undefined) return;
    const token = this.held.token;
    this.held = undefined;
    this.options.events.emit('lease:lost', { owner: this.options.owner, token, reason });
    this.options.logger.warn(
      { fencingToken: token, reason },
      'this replica is no longer the active writer',
    );
    await this.options.onLost(reason);
  }
}

function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 4001 || code === 2011;
}

export async function readHolder(
  session: SqlSession,
  controlDatabase: string,
  name: string,
): Promise<LeaseHolder | undefined> {
  const [row] = await session.query(readLeaseSql(controlDatabase, name));
  return row === undefined ? undefined : leaseFromRow(row);
}
