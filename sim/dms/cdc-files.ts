import { keyValues, qualifiedName, type Row, type Table } from '../model/table.js';
import {
  floorToSecond,
  formatChangeSeqTime,
  MICROS_PER_MS,
  MICROS_PER_SECOND,
  type Micros,
} from '../time.js';
import type { SourceChange, SourceDdl } from '../workload/source-db.js';
import { fileColumns } from './file-columns.js';
import type { DraftFile, FileRow } from './files.js';
import { cdcFileName, objectKey } from './naming.js';
import type { DmsSettings } from './settings.js';

export interface CdcCutOptions {
  readonly settings: DmsSettings;
  /** The table's definition at a time (it changes with ADD COLUMN). */
  readonly tableAt: (at: Micros) => Table;
  /** No CDC file is written before the table's full load has finished (changes are cached). */
  readonly notBefore: Micros;
  /** Capture stopped then (a task stop, a truncate): the open file is written at that time. */
  readonly stopAt?: Micros;
}

/** `$AR_H_CHANGE_SEQ`: 16 digits of commit time, then a 19-digit row-event counter. */
export function changeSeqValue(commitAt: Micros, eventNo: number): string {
  return `${formatChangeSeqTime(commitAt)}${String(eventNo).padStart(19, '0')}`;
}

/** A rough in-memory size of a row, which is what DMS measures against CdcMinFileSize. */
function rowBytes(row: Row): number {
  let bytes = 16;
  for (const value of Object.values(row)) bytes += 8 + (value === null ? 0 : value.length);
  return bytes;
}

function fileRow(change: SourceChange, table: Table): FileRow {
  let beforeImage: Row | null = null;
  if (change.op === 'U' && change.before !== null) {
    const values = keyValues(table, change.before);
    beforeImage = Object.fromEntries(table.primaryKey.map((k, i) => [k, values[i] ?? null]));
  }
  return {
    op: change.op,
    // MySQL's binlog keeps commit times in whole seconds.
    timestamp: floorToSecond(change.commitAt),
    changeSeq: changeSeqValue(change.commitAt, change.eventNo),
    row: change.row,
    beforeImage,
  };
}

/**
 * Cuts one table's captured changes (in commit order) into CDC files the way DMS does: a file
 * is written when CdcMaxBatchInterval seconds have passed since its first change or when its
 * rows reach CdcMinFileSize kilobytes, whichever comes first, and at a DDL on the table (later
 * files carry the new column). Rows keep commit order, so one key can appear several times.
 */
export function cutCdcFiles(
  table: string,
  changes: readonly SourceChange[],
  ddl: readonly SourceDdl[],
  options: CdcCutOptions,
): DraftFile[] {
  const { settings } = options;
  const intervalMicros = settings.cdcMaxBatchInterval * MICROS_PER_SECOND;
  const maxBytes = settings.cdcMinFileSize * 1024;
  const out: DraftFile[] = [];
  let buffer: SourceChange[] = [];
  let bytes = 0;
  let lastCreated = -Infinity;

  const flush = (wantedAt: Micros): void => {
    const first = buffer[0];
    if (first === undefined) return;
    const schema = options.tableAt(first.commitAt);
    // File names have millisecond resolution and must be unique and increasing per table.
    const createdAt = Math.max(
      Math.floor(wantedAt / MICROS_PER_MS) * MICROS_PER_MS,
      lastCreated + MICROS_PER_MS,
      options.notBefore + MICROS_PER_MS,
    );
    lastCreated = createdAt;
    const name = cdcFileName(createdAt);
    out.push({
      table: qualifiedName(schema),
      kind: 'cdc',
      name,
      key: objectKey(settings, schema, name, createdAt, 'cdc'),
      createdAt,
      columns: fileColumns(schema, 'cdc', settings),
      rows: buffer.map((c) => fileRow(c, schema)),
    });
    buffer = [];
    bytes = 0;
  };

  const pendingDdl = ddl.filter((d) => d.table === table).sort((a, b) => a.at - b.at);
  for (const change of changes) {
    while (pendingDdl[0] !== undefined && pendingDdl[0].at <= change.commitAt) {
      flush((pendingDdl.shift() as SourceDdl).at);
    }
    const first = buffer[0];
    if (first !== undefined && change.commitAt >= first.commitAt + intervalMicros) {
      flush(first.commitAt + intervalMicros);
    }
    buffer.push(change);
    bytes += rowBytes(change.row);
    if (bytes >= maxBytes) flush(change.commitAt + MICROS_PER_MS);
  }
  const first = buffer[0];
  if (first !== undefined)
    flush(Math.min(first.commitAt + intervalMicros, options.stopAt ?? Infinity));
  return out;
}
