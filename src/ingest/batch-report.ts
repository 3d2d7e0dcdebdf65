/**
 * What a committed batch tells: each file's outcome, the `batch:committed` event, the DMS
 * settings its rows suggest, and the once-per-process warning for a table without a key.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { PipelineEvents } from '../events.js';
import { fileId } from '../files/file-ref.js';
import type { BatchResult } from '../merge/batch-transaction.js';
import { DmsSettingsCheck } from './dms-settings-check.js';
import { done, type FileResult } from './file-outcome.js';
import type { InspectedFile } from './file-inspection.js';

export interface BatchReportDeps {
  readonly config: Config;
  readonly events: PipelineEvents;
  readonly logger: Logger;
}

export class BatchReport {
  private readonly settingsCheck: DmsSettingsCheck;
  /** Tables already warned about having no primary key (once per process). */
  private readonly warnedRawOnly = new Set<string>();

  constructor(private readonly deps: BatchReportDeps) {
    this.settingsCheck = new DmsSettingsCheck(deps.config.dms.warnNoDeletesAfterCdcFiles);
  }

  /** Settles every file of the committed batch as done and tells the subscribers. */
  committed(
    batchId: string,
    ready: readonly InspectedFile[],
    result: BatchResult,
    outcomes: Map<string, FileResult>,
  ): void {
    const route = ready[0]?.file.route;
    if (route === undefined) return;
    const rawOnly = route.primaryKey === undefined;
    const reason = rawOnly
      ? `loaded to raw only: no primary key is configured for ${route.source}`
      : 'loaded';
    for (const r of ready)
      outcomes.set(fileId(r.file.ref), done(result.rowsByFile.get(r.file.ref.key) ?? 0, reason));
    this.deps.events.emit('batch:committed', {
      table: route.target,
      batchId,
      files: ready.length,
      rows: result.rowsByOp,
      rowsMerged: result.rowsMerged,
      lookupMs: result.ledgerCheckMs,
      copyMs: result.copyMs,
      mergeMs: result.mergeMs,
      totalMs: result.totalMs,
      oldestEventTime: new Date(Math.min(...ready.map((r) => r.file.ref.eventTime.getTime()))),
      ...(result.newestCommitTime === undefined
        ? {}
        : { newestCommitTime: result.newestCommitTime }),
    });
    this.checkDmsSettings(route.target, ready, result.rowsByOp.D);
    if (rawOnly) this.noteRawOnly(route.target, route.source, ready.length);
  }

  /** A table without a key loads to raw only: counted every batch, warned once per process. */
  private noteRawOnly(table: string, source: string, files: number): void {
    this.deps.events.emit('table:raw-only', { table, source, files });
    if (this.warnedRawOnly.has(table)) return;
    this.warnedRawOnly.add(table);
    this.deps.logger.warn(
      { table, source },
      `no primary key configured: ${source} loads to raw only, without ODS; set ` +
        `tables.byName["${source}"].primaryKey (then \`replay\` builds its ODS from raw)`,
    );
  }

  /** Warns once per table when what it loaded suggests a DMS setting that loses changes. */
  private checkDmsSettings(table: string, ready: readonly InspectedFile[], deletes: number): void {
    const { opColumn } = this.deps.config.dms;
    const warnings = this.settingsCheck.observe({
      table,
      deletes,
      files: ready.map((r) => ({
        kind: r.file.key.kind,
        hasOp: r.columns.columns.some((c) => c.name === opColumn),
      })),
    });
    for (const warning of warnings) {
      this.deps.logger.warn({ table, setting: warning.setting }, warning.message);
      this.deps.events.emit('dms:settings-warning', warning);
    }
  }
}
