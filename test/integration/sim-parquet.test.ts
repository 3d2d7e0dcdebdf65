// Reads the simulator's Parquet files back with two independent readers (pyarrow, and
// parquetjs-lite on raw physical values) and checks them against dms-s3-sqs.md §A3 and the rows
// the simulator meant to write. Needs the stack's Python (pyarrow), not the running stack.
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogTables,
  formatDmsTimestamp,
  generate,
  inspectParquet,
  type DmsSettings,
  type FileColumn,
  type FileRow,
  type Generated,
  type ParquetInspection,
} from '../../sim/index.js';

// parquetjs-lite ships no types: the few parts used here are typed locally.
interface ThriftSchemaElement {
  name: string;
  type: number | null;
  type_length: number | null;
  repetition_type: number | null;
  converted_type: number | null;
  scale: number | null;
  precision: number | null;
  logicalType: object | null;
}
interface ThriftColumnChunk {
  meta_data: {
    codec: number;
    encodings: number[];
    data_page_offset: { toNumber(): number } | number;
    dictionary_page_offset: unknown;
    path_in_schema: string[];
  };
}
interface ThriftMetadata {
  version: number;
  created_by: string;
  schema: ThriftSchemaElement[];
  row_groups: { columns: ThriftColumnChunk[] }[];
  key_value_metadata: unknown[] | null;
}
interface EnvelopeReader {
  readHeader(): Promise<void>;
  readFooter(): Promise<ThriftMetadata>;
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}
interface ParquetLite {
  ParquetEnvelopeReader: { openFile(path: string): Promise<EnvelopeReader> };
  ParquetReader: {
    openEnvelopeReader(
      envelope: EnvelopeReader,
      opts: { metadata: ThriftMetadata },
    ): Promise<{ getCursor(): { next(): Promise<Record<string, unknown> | null> } }>;
  };
}
interface ParquetThrift {
  Type: Record<string, number>;
  ConvertedType: Record<string, number>;
  CompressionCodec: Record<string, number>;
  Encoding: Record<string, number>;
  PageType: Record<string, number>;
  FieldRepetitionType: Record<string, number>;
  PageHeader: new () => { type: number; read(input: unknown): void };
}

const require = createRequire(import.meta.url);
const parquet = require('parquetjs-lite') as ParquetLite;
const thrift = require('parquetjs-lite/gen-nodejs/parquet_types.js') as ParquetThrift;
const thriftUtil = require('parquetjs-lite/lib/util.js') as {
  decodeThrift(obj: { read(input: unknown): void }, buf: Buffer, offset?: number): number;
};

function nameOf(enumeration: Record<string, number>, value: number | null): string | null {
  if (value === null) return null;
  return Object.entries(enumeration).find(([, v]) => v === value)?.[0] ?? `?${value}`;
}

/** The value the simulator meant a cell to hold, in canonical text. */
function expectedCell(column: FileColumn, row: FileRow, millis: boolean): string | null {
  switch (column.role) {
    case 'op':
      return row.op;
    case 'timestamp':
      return formatDmsTimestamp(row.timestamp);
    case 'change-seq':
      return row.changeSeq;
    case 'data':
    case 'before-image': {
      const source = column.role === 'data' ? row.row : (row.beforeImage ?? {});
      const v = source[column.source ?? ''] ?? null;
      if (v === null) return null;
      if (column.layout.arrow === 'float64') return String(Number(v));
      if (millis && column.layout.arrow.startsWith('timestamp')) return `${v.slice(0, 23)}000`;
      return v;
    }
  }
}

function pyarrowCell(value: string | number | boolean | null): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** Independent decoding of a raw physical value, driven by the file's own annotations. */
function liteCell(element: ThriftSchemaElement, raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const converted = nameOf(thrift.ConvertedType, element.converted_type);
  const physical = nameOf(thrift.Type, element.type);
  if (physical === 'BOOLEAN') return raw === true ? '1' : '0';
  if (physical === 'DOUBLE') return typeof raw === 'number' ? String(raw) : 'not a number';
  if (physical === 'INT32') {
    if (converted === 'DATE') {
      return new Date((raw as number) * 86_400_000).toISOString().slice(0, 10);
    }
    // The raw INT32 is signed; UINT_32 reinterprets its bits.
    return String(converted === 'UINT_32' ? (raw as number) >>> 0 : (raw as number));
  }
  if (physical === 'INT64') {
    const n = raw as bigint;
    if (converted === 'UINT_64') return BigInt.asUintN(64, n).toString();
    if (converted === 'TIMESTAMP_MICROS' || converted === 'TIMESTAMP_MILLIS') {
      const micros = converted === 'TIMESTAMP_MICROS' ? n : n * 1000n;
      const d = new Date(Number(micros / 1000n));
      const sub = Number(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n);
      return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}.${pad(sub, 6)}`;
    }
    return n.toString();
  }
  const bytes = raw as Buffer;
  if (physical === 'FIXED_LEN_BYTE_ARRAY' && converted === 'DECIMAL') {
    let n = BigInt(`0x${bytes.toString('hex')}`);
    if ((bytes[0] ?? 0) & 0x80) n -= 1n << BigInt(8 * bytes.length);
    const scale = element.scale ?? 0;
    const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return n < 0n ? `-${text}` : text;
  }
  return converted === 'UTF8' ? bytes.toString('utf8') : bytes.toString('hex');
}

interface LiteRead {
  metadata: ThriftMetadata;
  firstPageTypes: string[];
  rows: Record<string, string | null>[];
}

async function readWithParquetLite(file: string): Promise<LiteRead> {
  const envelope = await parquet.ParquetEnvelopeReader.openFile(file);
  await envelope.readHeader();
  const metadata = await envelope.readFooter();
  const firstPageTypes: string[] = [];
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const offset = chunk.meta_data.data_page_offset;
      const at = typeof offset === 'number' ? offset : offset.toNumber();
      const header = new thrift.PageHeader();
      thriftUtil.decodeThrift(header, await envelope.read(at, 256));
      firstPageTypes.push(nameOf(thrift.PageType, header.type) ?? '');
    }
  }
  // Raw physical values only: parquetjs-lite cannot decode DECIMAL, and its Date conversions
  // would drop microseconds, so annotations are removed and decoded above instead. Its reader
  // also only accepts footer version 1.
  const raw: ThriftMetadata = {
    ...metadata,
    version: 1,
    schema: metadata.schema.map((e) => ({ ...e, converted_type: null, logicalType: null })),
  };
  const reader = await parquet.ParquetReader.openEnvelopeReader(envelope, { metadata: raw });
  const cursor = reader.getCursor();
  const rows: Record<string, string | null>[] = [];
  const leaves = metadata.schema.slice(1);
  for (let record = await cursor.next(); record !== null; record = await cursor.next()) {
    const row: Record<string, string | null> = {};
    for (const element of leaves) row[element.name] = liteCell(element, record[element.name]);
    rows.push(row);
  }
  await envelope.close();
  return { metadata, firstPageTypes, rows };
}

const variants: [string, Partial<DmsSettings>][] = [
  ['the DMS defaults (uncompressed, Parquet 1.0, microseconds)', {}],
  [
    'GZIP, Parquet 2.0, milliseconds, no Op in full loads, a change sequence and before images',
    {
      compressionType: 'GZIP',
      parquetVersion: 'PARQUET_2_0',
      parquetTimestampInMillisecond: true,
      includeOpForFullLoad: false,
      changeSeqColumn: 'AR_H_CHANGE_SEQ',
      beforeImagePrefix: 'BI_',
      rowGroupLength: 16,
    },
  ],
];

for (const [label, dms] of variants) {
  describe(`Parquet files written with ${label}`, () => {
    let dir = '';
    let generated: Generated;
    let inspections: ParquetInspection[];
    const millis = dms.parquetTimestampInMillisecond === true;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'sim-parquet-'));
      generated = await generate(
        {
          seed: 9,
          tables: catalogTables('shop', 4),
          initialRows: 25,
          durationSeconds: 20,
          transactionsPerSecond: 6,
          reload: { table: 'customers', atFraction: 0.9 },
        },
        { cdcMaxBatchInterval: 4, ...dms },
        { outDir: dir },
      );
      inspections = await inspectParquet(generated.written.map((w) => w.path));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('carry DMS footers: created_by AWS, no Arrow schema, ConvertedType only', () => {
      expect(inspections.length).toBeGreaterThan(20);
      const version = dms.parquetVersion === 'PARQUET_2_0' ? 2 : 1;
      for (const file of inspections) {
        expect(file.createdBy).toBe('AWS');
        expect(file.formatVersion).toBe(version);
        expect(file.keyValueMetadata).toEqual({});
        expect(file.columns.every((c) => !c.hasLogicalType)).toBe(true);
      }
    });

    it('have the columns, order, types and nullability of dms-s3-sqs.md, per pyarrow', () => {
      generated.written.forEach((w, i) => {
        const seen = inspections[i];
        expect(seen?.path).toBe(w.path);
        const expected = w.file.columns.map((c) => ({
          name: c.name,
          physical: c.layout.physical,
          converted: c.layout.converted,
          repetition: c.nullable ? 'OPTIONAL' : 'REQUIRED',
          typeLength: c.layout.typeLength ?? null,
          precision: c.layout.precision ?? null,
          scale: c.layout.scale ?? null,
        }));
        expect(
          seen?.columns.map((c) => ({
            name: c.name,
            physical: c.physical,
            converted: c.converted,
            repetition: c.repetition,
            typeLength: c.physical === 'FIXED_LEN_BYTE_ARRAY' ? c.typeLength : null,
            precision: c.converted === 'DECIMAL' ? c.precision : null,
            scale: c.converted === 'DECIMAL' ? c.scale : null,
          })),
        ).toEqual(expected);
        const roles = w.file.columns.map((c) => c.role);
        expect(roles[0]).toBe(
          w.file.kind === 'cdc' || dms.includeOpForFullLoad !== false ? 'op' : 'timestamp',
        );
        expect(seen?.columns.find((c) => c.name === '_dms_ingestion_timestamp')?.repetition).toBe(
          'REQUIRED',
        );
      });
    });

    it('use plain data pages v1 without dictionaries, with the configured codec', () => {
      const codec = dms.compressionType === 'GZIP' ? 'GZIP' : 'UNCOMPRESSED';
      for (const file of inspections) {
        for (const chunk of file.chunks) {
          expect(chunk.codec).toBe(codec);
          expect(chunk.hasDictionaryPage).toBe(false);
          expect(chunk.firstPageType).toBe('DATA_PAGE');
          expect(chunk.encodings).toContain('PLAIN');
          expect(chunk.encodings.every((e) => e === 'PLAIN' || e === 'RLE')).toBe(true);
        }
        // Like the DMS sample: no statistics on FIXED_LEN_BYTE_ARRAY decimals.
        const decimals = new Set(
          file.columns.filter((c) => c.converted === 'DECIMAL').map((c) => c.name),
        );
        for (const chunk of file.chunks)
          expect(chunk.hasStatistics).toBe(!decimals.has(chunk.column));
      }
    });

    it('hold every row and value the simulator meant to write, per pyarrow', () => {
      generated.written.forEach((w, i) => {
        const rows = inspections[i]?.rows ?? [];
        expect(rows.length).toBe(w.file.rows.length);
        w.file.rows.forEach((row, r) => {
          const got = rows[r] ?? {};
          for (const column of w.file.columns) {
            expect(
              pyarrowCell(got[column.name] ?? null),
              `${w.file.key} row ${r} ${column.name}`,
            ).toBe(expectedCell(column, row, millis));
          }
        });
      });
    });

    it('read the same through parquetjs-lite: schema, codec, page v1 and raw values', async () => {
      const codec = dms.compressionType === 'GZIP' ? 'GZIP' : 'UNCOMPRESSED';
      for (const w of generated.written) {
        const lite = await readWithParquetLite(w.path);
        expect(lite.metadata.created_by).toBe('AWS');
        expect(lite.metadata.key_value_metadata ?? []).toEqual([]);
        const leaves = lite.metadata.schema.slice(1);
        expect(leaves.map((e) => e.name)).toEqual(w.file.columns.map((c) => c.name));
        leaves.forEach((e, i) => {
          const c = w.file.columns[i];
          expect(nameOf(thrift.Type, e.type)).toBe(c?.layout.physical);
          expect(nameOf(thrift.ConvertedType, e.converted_type)).toBe(c?.layout.converted);
          expect(nameOf(thrift.FieldRepetitionType, e.repetition_type)).toBe(
            c?.nullable ? 'OPTIONAL' : 'REQUIRED',
          );
          expect(e.logicalType).toBeNull();
        });
        for (const group of lite.metadata.row_groups) {
          for (const chunk of group.columns) {
            expect(nameOf(thrift.CompressionCodec, chunk.meta_data.codec)).toBe(codec);
            expect(chunk.meta_data.dictionary_page_offset ?? null).toBeNull();
            const encodings = chunk.meta_data.encodings.map((e) => nameOf(thrift.Encoding, e));
            expect(encodings.every((e) => e === 'PLAIN' || e === 'RLE')).toBe(true);
          }
        }
        expect(new Set(lite.firstPageTypes)).toEqual(new Set(['DATA_PAGE']));
        expect(lite.rows.length).toBe(w.file.rows.length);
        w.file.rows.forEach((row, r) => {
          for (const column of w.file.columns) {
            expect(lite.rows[r]?.[column.name], `${w.file.key} row ${r} ${column.name}`).toBe(
              expectedCell(column, row, millis),
            );
          }
        });
      }
    });

    it('give a reloaded LOAD file other bytes under the same key', async () => {
      const reloaded = generated.written.filter((w) => w.file.version === 2);
      expect(reloaded.length).toBeGreaterThan(0);
      for (const second of reloaded) {
        const first = generated.written.find(
          (w) => w.file.key === second.file.key && w.file.version === 1,
        );
        expect(first).toBeDefined();
        const [a, b] = await inspectParquet([first?.path ?? '', second.path]);
        expect(a?.rows).not.toEqual(b?.rows);
      }
    });
  });
}
