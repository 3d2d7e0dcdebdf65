/**
 * The reconciliation sweep: events are the fast path, listings the safety net. On start and then
 * every `sweep.intervalMinutes`, list the bucket's table folders and hand every DMS file that is
 * older than the grace period and missing from the ledger to the pipeline, the same entry point
 * events use (so a file reached both ways waits, loads and is recorded once).
 *
 * Cost: table folders are discovered by listing the schema level with Delimiter '/' (one request
 * per schema, plus one), and each table folder is listed from after the newest CDC key the ledger
 * holds for it (see sweep-cursor.ts for why that start is safe), so a sweep makes about one
 * request per table plus one per thousand new or full-load files, however many old CDC files
 * the bucket keeps.
 *
 * Tables run one after another: a sweep is background work with minutes to finish, and the
 * pipeline's own table concurrency loads what it hands over.
 *
 * Ledger reads that do not grow with the ledger's age: the first sweep of a process reads the
 * newest CDC key of every folder from the whole ledger; later sweeps read only the rows loaded
 * since a day before the previous sweep's cutoff (see #refreshCursors) and keep the greatest key
 * per folder themselves. Listed CDC files are looked up in the window their names allow
 * (files/ledger-window.ts). Full-load files have no time in their name and are listed by every
 * sweep; once the ledger holds one (its rows are never removed) the sweep remembers it and does
 * not look it up again, so only the first sweep, and one after a reload, reads the whole ledger
 * for them.
 */
import { earliestLoadTime, LEDGER_WINDOW_MARGIN_MS } from '../files/ledger-window.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { PipelineEvents } from '../events.js';
import type { BucketLister } from './bucket-lister.js';
import type { FileResult } from './file-outcome.js';
import type { LedgerReader } from '../control/ledger-reader.js';
import { listedFile } from './listed-file.js';
import { byDmsOrder, type PendingFile } from './pending-file.js';
import { fileId } from '../files/file-ref.js';
import type { S3FileRef } from '../files/file-ref.js';
import { sweepStartAfter } from './sweep-cursor.js';
import { listTableFolders } from './table-folders.js';
import { routeTable } from './table-routes.js';

export interface SweepDeps {
  readonly config: Config;
  readonly lister: BucketLister;
  readonly ledger: LedgerReader;
  readonly events: PipelineEvents;
  readonly logger: Logger;
  /** Pipeline.submit: resolves when the file has an outcome. */
  readonly submit: (ref: S3FileRef) => Promise<FileResult>;
  /** Paused tables keep their files waiting, so the sweep leaves them alone. */
  readonly pausedTables: () => ReadonlyMap<string, string>;
  /**
   * Files loaded more recently than this do not move a table's start key, so a file whose upload
   * finished up to this long after a newer-named one is still listed. Default one hour.
   */
  readonly lookbackMs?: number;
  readonly now?: () => number;
}

export interface SweepReport {
  /** Table folders listed (paused tables are skipped). */
  readonly tables: number;
  readonly listRequests: number;
  /** Objects the listings returned. */
  readonly listed: number;
  /** Files handed to the pipeline: older than the grace period and not in the ledger. */
  readonly found: number;
  readonly durationMs: number;
}

export const DEFAULT_LOOKBACK_MS = 60 * 60 * 1000;

export class Sweep {
  /** Files handed over and not yet settled: a later sweep does not count them again. */
  readonly #handed = new Map<string, Promise<void>>();
  /** `<schema>/<table>` → the greatest CDC key loaded before #cursorCutoff. */
  readonly #cursors = new Map<string, string>();
  /** The cutoff of the last scan of newest keys; undefined before the first. */
  #cursorCutoff: Date | undefined;
  /** Full-load files (fileIds) found in the ledger: listed again by every sweep, looked up once. */
  readonly #loadedFullLoad = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> | undefined;
  #running = false;
  #abort = new AbortController();

  constructor(private readonly deps: SweepDeps) {}

  /** Sweeps now and then every interval; does nothing when the interval is 0. */
  start(): void {
    if (this.#running || this.deps.config.sweep.intervalMinutes <= 0) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#schedule(0);
  }

  /** Stops scheduling and ends a running sweep between two listing pages. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#current;
  }

  /** Resolves when every file a sweep handed over has an outcome. */
  async settled(): Promise<void> {
    await Promise.all([...this.#handed.values()]);
  }

  async runOnce(): Promise<SweepReport> {
    const { config, lister, ledger } = this.deps;
    const now = this.deps.now ?? Date.now;
    const started = now();
    const requestsBefore = lister.requests;
    const signal = this.#abort.signal;
    const graceCutoff = started - config.sweep.graceSeconds * 1000;
    const cursors = await this.#refreshCursors(
      new Date(started - (this.deps.lookbackMs ?? DEFAULT_LOOKBACK_MS)),
    );
    const paused = this.deps.pausedTables();
    let tables = 0;
    let listed = 0;
    let found = 0;
    for (const folder of await listTableFolders(lister, config.s3.bucketFolder, signal)) {
      if (signal.aborted) break;
      if (paused.has(routeTable(config.tables, folder.schema, folder.table).target)) continue;
      tables += 1;
      const startAfter = sweepStartAfter(
        folder.prefix,
        cursors.get(`${folder.schema}/${folder.table}`),
        { bucketFolder: config.s3.bucketFolder },
      );
      const missing: PendingFile[] = [];
      for await (const page of lister.pages({ prefix: folder.prefix, startAfter, signal })) {
        listed += page.length;
        const candidates = page.flatMap((object) => {
          if (object.lastModified.getTime() > graceCutoff) return [];
          const file = listedFile(config, object);
          if (file === undefined) return [];
          const id = fileId(file.ref);
          return this.#handed.has(id) || this.#loadedFullLoad.has(id) ? [] : [file];
        });
        if (candidates.length === 0) continue;
        const loaded = await ledger.loaded(
          candidates.map((c) => c.ref),
          earliestLoadTime(candidates.map((c) => c.key)),
        );
        for (const c of candidates)
          if (c.key.kind === 'load' && loaded.has(fileId(c.ref)))
            this.#loadedFullLoad.add(fileId(c.ref));
        missing.push(...candidates.filter((c) => !loaded.has(fileId(c.ref))));
      }
      // Handed over in DMS order, full load first, as the table's queue would load them.
      for (const file of missing.sort(byDmsOrder)) this.#hand(file);
      found += missing.length;
    }
    return {
      tables,
      listRequests: lister.requests - requestsBefore,
      listed,
      found,
      durationMs: now() - started,
    };
  }

  /**
   * The newest CDC key per folder among files loaded at or before `cutoff` (by event time), as a
   * scan of the whole ledger would give, reading only recent rows after the first scan. The keys
   * only grow (ledger rows are never removed), so the greatest of the previous scan's key and
   * the window's is the whole ledger's. A row the previous scan did not count either committed
   * after it, so was written (`loaded_at`) at most one transaction earlier, or had an event time
   * after the previous cutoff, so was loaded after that time less the clock margin: both lie in
   * a window from a day before the previous cutoff.
   */
  async #refreshCursors(cutoff: Date): Promise<ReadonlyMap<string, string>> {
    const since =
      this.#cursorCutoff === undefined
        ? undefined
        : new Date(this.#cursorCutoff.getTime() - LEDGER_WINDOW_MARGIN_MS);
    const newest = await this.deps.ledger.newestCdcKeys(cutoff, since);
    for (const [folder, key] of newest) {
      const known = this.#cursors.get(folder);
      // Byte order, as Databend and S3 compare keys.
      if (known === undefined || Buffer.compare(Buffer.from(key), Buffer.from(known)) > 0)
        this.#cursors.set(folder, key);
    }
    this.#cursorCutoff = cutoff;
    return this.#cursors;
  }

  #hand(file: PendingFile): void {
    const id = fileId(file.ref);
    const table = file.route.target;
    this.deps.events.emit('file:found-by-sweep', { table, key: file.ref.key });
    const settled = this.deps
      .submit(file.ref)
      .then(
        (result) => {
          if (result.kind === 'retry' || result.kind === 'poison')
            this.deps.logger.warn(
              { table, key: file.ref.key, outcome: result.kind, reason: result.reason },
              'a file found by the sweep did not load',
            );
        },
        (error: unknown) => {
          this.deps.logger.error({ err: error, table, key: file.ref.key }, 'sweep submit failed');
        },
      )
      .finally(() => this.#handed.delete(id));
    this.#handed.set(id, settled);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#current = this.#tick().finally(() => {
        this.#current = undefined;
        if (this.#running) this.#schedule(this.deps.config.sweep.intervalMinutes * 60_000);
      });
    }, delayMs);
  }

  async #tick(): Promise<void> {
    const log = this.deps.logger;
    try {
      const report = await this.runOnce();
      const fields = { ...report };
      if (report.found > 0) log.warn(fields, 'sweep found files the events did not bring');
      else log.info(fields, 'sweep done');
    } catch (error) {
      log.warn({ err: error }, 'sweep failed; the next one retries');
    }
  }
}
