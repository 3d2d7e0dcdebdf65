// The guide's two Tasks, emulated by a loop: every `intervalMs` (the guide's SCHEDULE = 1 MINUTE)
// Task 1 COPYs each table's folder into raw, then Task 2 (AFTER Task 1) MERGEs each table whose
// emulated stream has rows. A run that overruns its minute delays the next, as a Task scheduler
// does not start a Task while its previous run is going. Records, per file, when the MERGE that
// brought it into ODS returned: the file's commit time in this design.
import type { Connection } from 'databend-driver';
import { guideCopySql, guideMergeSql, guideWatermarkSql, type GuideTable } from './guide-sql.js';

export interface GuideTableRun {
  readonly sql: GuideTable;
  /** The table's folder under the stage root, e.g. `bench/orders_1`. */
  readonly folder: string;
}

export interface GuideTick {
  /** ms since the epoch when the Task run started. */
  readonly startMs: number;
  readonly copyMs: number;
  readonly mergeMs: number;
  readonly filesLoaded: number;
  readonly errors: readonly string[];
}

export class GuideRunner {
  /** Object key → when the MERGE that made its rows visible in ODS returned (ms since epoch). */
  readonly committed = new Map<string, number>();
  readonly ticks: GuideTick[] = [];
  private readonly pending = new Map<string, string[]>();
  private readonly watermarks = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly conn: Connection,
    private readonly stage: string,
    private readonly tables: readonly GuideTableRun[],
    private readonly intervalMs: number,
  ) {}

  /**
   * Runs Task runs on the schedule, the first at `firstAtMs`, until `done()` says so after a run,
   * `stop()` is called, or `deadlineMs` passes.
   */
  async run(firstAtMs: number, done: () => boolean, deadlineMs: number): Promise<void> {
    let next = firstAtMs;
    while (!this.stopped && Date.now() < deadlineMs) {
      const wait = next - Date.now();
      if (wait > 0) await this.sleep(Math.min(wait, deadlineMs - Date.now()));
      if (this.stopped || Date.now() >= deadlineMs) return;
      await this.tick();
      if (done()) return;
      while (next <= Date.now()) next += this.intervalMs;
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private async sleep(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopped && Date.now() < until)
      await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
  }

  /** One run of Task 1 and then Task 2. */
  async tick(): Promise<void> {
    const startMs = Date.now();
    const errors: string[] = [];
    let filesLoaded = 0;
    for (const t of this.tables) {
      try {
        const rows = await this.conn.queryAll(guideCopySql(t.sql, this.stage, t.folder));
        const files = rows.map((r) => String((r.data() as Record<string, unknown>).File));
        filesLoaded += files.length;
        this.pending.set(t.sql.table, [...(this.pending.get(t.sql.table) ?? []), ...files]);
      } catch (error) {
        errors.push(`COPY ${t.sql.table}: ${(error as Error).message}`);
      }
    }
    const copied = Date.now();
    for (const t of this.tables) {
      try {
        await this.merge(t.sql);
      } catch (error) {
        errors.push(`MERGE ${t.sql.table}: ${(error as Error).message}`);
      }
    }
    this.ticks.push({
      startMs,
      copyMs: copied - startMs,
      mergeMs: Date.now() - copied,
      filesLoaded,
      errors,
    });
  }

  private async merge(t: GuideTable): Promise<void> {
    const row = await this.conn.queryRow(guideWatermarkSql(t));
    const upTo = (row?.values() as (string | null)[] | undefined)?.[0] ?? null;
    const after = this.watermarks.get(t.table) ?? null;
    // The stream is empty: Task 2 does not run (the guide's "only when there is data").
    if (upTo === null || upTo === after) return;
    await this.conn.exec(guideMergeSql(t, after, upTo));
    const at = Date.now();
    this.watermarks.set(t.table, upTo);
    for (const key of this.pending.get(t.table) ?? []) this.committed.set(key, at);
    this.pending.set(t.table, []);
  }
}
