/**
 * Where a DMS file sits in the bucket and what it is, from its (decoded) object key alone.
 *
 * Layout: `[<bucketFolder>/]<schema>/<table>/[<middle>/]<name>.parquet` where
 * - full-load files are `LOAD` + 8 hex digits, optionally `SEGMENT<n>_LOAD…` (parallel load by
 *   ranges), and may sit in one partition sub-folder (parallel load `partitions-auto`/`-list`);
 * - CDC files are `YYYYMMDD-HHMMSSmmm[m].parquet` (9 digits after the dash in every real file,
 *   10 in the AWS docs' example) and may sit in date folders (DatePartitionEnabled), never in
 *   partition folders;
 * - full-load files never sit in date folders.
 */

export const DATE_PARTITION_SEQUENCES = [
  'YYYYMMDD',
  'YYYYMMDDHH',
  'YYYYMM',
  'MMYYYYDD',
  'DDMMYYYY',
] as const;
export type DatePartitionSequence = (typeof DATE_PARTITION_SEQUENCES)[number];

export const DATE_PARTITION_DELIMITERS = ['SLASH', 'UNDERSCORE', 'DASH', 'NONE'] as const;
export type DatePartitionDelimiter = (typeof DATE_PARTITION_DELIMITERS)[number];

export interface KeyLayoutConfig {
  /** DMS BucketFolder; '' when files start at `<schema>/`. Leading/trailing slashes are ignored. */
  bucketFolder: string;
  /**
   * DMS DatePartitionSequence/DatePartitionDelimiter when DatePartitionEnabled. Without it, CDC
   * files are accepted in the table folder or in a date folder of any documented shape.
   */
  datePartition?: { sequence: DatePartitionSequence; delimiter: DatePartitionDelimiter };
}

interface KeyBase {
  /** The decoded key as given. */
  key: string;
  schema: string;
  table: string;
  /** Last path segment, e.g. `LOAD0000000A.parquet`. */
  fileName: string;
}

export interface LoadFileKey extends KeyBase {
  kind: 'load';
  /** n of `SEGMENT<n>_LOAD…`. */
  segment?: number;
  /** The partition sub-folder of a parallel load. */
  partition?: string;
  /** The hex counter of `LOAD<8 hex>`, as a number. */
  loadCounter: number;
}

export interface CdcFileKey extends KeyBase {
  kind: 'cdc';
  /** `YYYYMMDDHHMMSS` + 4 fractional digits: the name's creation time, 9-digit names padded. */
  cdcTimestamp: string;
  /** The date folder path between table and file, e.g. `2024/06/12`. */
  dateFolder?: string;
}

export type DmsFileKey = LoadFileKey | CdcFileKey;

export type KeyLayoutResult = { ok: true; file: DmsFileKey } | { ok: false; reason: string };

const LOAD_NAME = /^(?:SEGMENT(\d{1,6})_)?LOAD([0-9A-Fa-f]{8})\.parquet$/;
const CDC_NAME = /^(\d{8})-(\d{9,10})\.parquet$/;

/** Parse a decoded object key against the DMS layout. */
export function parseKey(key: string, config: KeyLayoutConfig): KeyLayoutResult {
  const prefix = normaliseFolder(config.bucketFolder);
  if (prefix !== '' && !key.startsWith(`${prefix}/`)) {
    return reject(`is not under the bucket folder "${prefix}/"`);
  }
  const rest = prefix === '' ? key : key.slice(prefix.length + 1);
  const parts = rest.split('/');
  if (parts.some((part) => part === '')) {
    return reject('has an empty path segment');
  }
  const [schema, table, ...tail] = parts;
  const fileName = tail.pop();
  if (schema === undefined || table === undefined || fileName === undefined) {
    return reject(
      'has fewer than three segments after the bucket folder (<schema>/<table>/<file>)',
    );
  }
  const base: KeyBase = { key, schema, table, fileName };

  const load = LOAD_NAME.exec(fileName);
  if (load !== null) {
    if (tail.length > 1) {
      return reject('is a full-load file nested deeper than one partition folder');
    }
    const [partition] = tail;
    const file: LoadFileKey = {
      ...base,
      kind: 'load',
      loadCounter: Number.parseInt(load[2] ?? '', 16),
    };
    if (load[1] !== undefined) file.segment = Number(load[1]);
    if (partition !== undefined) file.partition = partition;
    return { ok: true, file };
  }

  const cdc = CDC_NAME.exec(fileName);
  if (cdc !== null) {
    const date = cdc[1] ?? '';
    const time = cdc[2] ?? '';
    if (!validDate(date) || !validTime(time)) {
      return reject(`has a CDC file name that is not a valid timestamp: ${fileName}`);
    }
    const file: CdcFileKey = { ...base, kind: 'cdc', cdcTimestamp: date + time.padEnd(10, '0') };
    if (tail.length > 0) {
      const folder = tail.join('/');
      if (!isDateFolder(tail, config.datePartition)) {
        return reject(`has a CDC file under "${folder}/", which is not a date folder`);
      }
      file.dateFolder = folder;
    }
    return { ok: true, file };
  }

  return reject(`has a file name that is neither LOAD<8 hex> nor YYYYMMDD-HHMMSSmmm: ${fileName}`);
}

function reject(why: string): KeyLayoutResult {
  return { ok: false, reason: `key ${why}` };
}

function normaliseFolder(folder: string): string {
  return folder.replace(/^\/+|\/+$/g, '');
}

/** Date parts of each sequence, in order. */
const SEQUENCE_PARTS: Readonly<Record<DatePartitionSequence, readonly DatePart[]>> = {
  YYYYMMDD: ['YYYY', 'MM', 'DD'],
  YYYYMMDDHH: ['YYYY', 'MM', 'DD', 'HH'],
  YYYYMM: ['YYYY', 'MM'],
  MMYYYYDD: ['MM', 'YYYY', 'DD'],
  DDMMYYYY: ['DD', 'MM', 'YYYY'],
};
type DatePart = 'YYYY' | 'MM' | 'DD' | 'HH';

const DELIMITER_TEXT: Readonly<Record<DatePartitionDelimiter, string>> = {
  SLASH: '/',
  UNDERSCORE: '_',
  DASH: '-',
  NONE: '',
};

function isDateFolder(
  segments: readonly string[],
  expected: KeyLayoutConfig['datePartition'],
): boolean {
  const folder = segments.join('/');
  const shapes =
    expected === undefined
      ? DATE_PARTITION_SEQUENCES.flatMap((sequence) =>
          DATE_PARTITION_DELIMITERS.map((delimiter) => ({ sequence, delimiter })),
        )
      : [expected];
  return shapes.some(({ sequence, delimiter }) => matchesShape(folder, sequence, delimiter));
}

function matchesShape(
  folder: string,
  sequence: DatePartitionSequence,
  delimiter: DatePartitionDelimiter,
): boolean {
  const parts = SEQUENCE_PARTS[sequence];
  const pattern = parts
    .map((part) => `(\\d{${part.length}})`)
    .join(
      // A regex-safe delimiter: all four are literal characters or empty.
      DELIMITER_TEXT[delimiter],
    );
  const match = new RegExp(`^${pattern}$`).exec(folder);
  if (match === null) {
    return false;
  }
  const value = (part: DatePart): number => {
    // A part the sequence lacks takes a value that passes every range check.
    const index = parts.indexOf(part);
    return index < 0 ? 1 : Number(match[index + 1]);
  };
  const month = value('MM');
  const day = value('DD');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && value('HH') <= 23;
}

function validDate(yyyymmdd: string): boolean {
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

function validTime(hhmmssFraction: string): boolean {
  const hour = Number(hhmmssFraction.slice(0, 2));
  const minute = Number(hhmmssFraction.slice(2, 4));
  const second = Number(hhmmssFraction.slice(4, 6));
  // 60 allows a leap second.
  return hour <= 23 && minute <= 59 && second <= 60;
}
