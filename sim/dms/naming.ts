import { dateParts, formatCdcStem, type Micros } from '../time.js';
import type { DmsSettings } from './settings.js';

/** `LOAD` + 8 uppercase hex digits, counting from 1, as DMS names full-load files. */
export function loadFileName(counter: number): string {
  if (!Number.isInteger(counter) || counter < 1 || counter > 0xffffffff) {
    throw new Error(`LOAD file counter out of range: ${counter}`);
  }
  return `LOAD${counter.toString(16).toUpperCase().padStart(8, '0')}.parquet`;
}

/** `YYYYMMDD-HHMMSSmmm.parquet`, the UTC creation time of a CDC file. */
export function cdcFileName(createdAt: Micros): string {
  return `${formatCdcStem(createdAt)}.parquet`;
}

const DELIMITERS: Record<DmsSettings['datePartitionDelimiter'], string> = {
  SLASH: '/',
  DASH: '-',
  UNDERSCORE: '_',
  NONE: '',
};

/** The date folder of a CDC file, e.g. `2021/11/23` (DatePartitionSequence + Delimiter). */
export function datePartitionFolder(
  createdAt: Micros,
  sequence: DmsSettings['datePartitionSequence'],
  delimiter: DmsSettings['datePartitionDelimiter'],
): string {
  const { year, month, day, hour } = dateParts(createdAt);
  const order: Record<DmsSettings['datePartitionSequence'], string[]> = {
    YYYYMMDD: [year, month, day],
    YYYYMMDDHH: [year, month, day, hour],
    YYYYMM: [year, month],
    MMYYYYDD: [month, year, day],
    DDMMYYYY: [day, month, year],
  };
  return order[sequence].join(DELIMITERS[delimiter]);
}

/**
 * The object key `[<bucketFolder>/]<schema>/<table>/[<date folder>/]<name>`. Only CDC files go
 * into date folders; full-load files stay in the table folder, or in a partition sub-folder of a
 * parallel load.
 */
export function objectKey(
  settings: DmsSettings,
  table: { readonly schema: string; readonly name: string },
  fileName: string,
  createdAt: Micros,
  kind: 'load' | 'cdc',
  partition?: string,
): string {
  const parts: string[] = [];
  if (settings.bucketFolder !== '') parts.push(settings.bucketFolder);
  parts.push(table.schema, table.name);
  if (kind === 'load' && partition !== undefined) parts.push(partition);
  if (kind === 'cdc' && settings.datePartitionEnabled) {
    parts.push(
      datePartitionFolder(
        createdAt,
        settings.datePartitionSequence,
        settings.datePartitionDelimiter,
      ),
    );
  }
  parts.push(fileName);
  return parts.join('/');
}

const LOAD_RE = /^(?:SEGMENT\d+_)?LOAD[0-9A-F]{8}\.parquet$/;
const CDC_RE = /^\d{8}-\d{9,10}\.parquet$/;

export function fileKindOf(fileName: string): 'load' | 'cdc' | null {
  if (LOAD_RE.test(fileName)) return 'load';
  if (CDC_RE.test(fileName)) return 'cdc';
  return null;
}

/**
 * The order DMS produced one table's files in: full-load files first (our rule: a plain
 * listing puts `2…` before `LOAD…`), each kind by name, since LOAD counters and CDC times are
 * fixed-width.
 */
export function compareDmsFileNames(a: string, b: string): number {
  const ka = fileKindOf(a) === 'load' ? 0 : 1;
  const kb = fileKindOf(b) === 'load' ? 0 : 1;
  if (ka !== kb) return ka - kb;
  return a < b ? -1 : a > b ? 1 : 0;
}
