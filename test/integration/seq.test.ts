// The _seq expression runs inside a real COPY over Parquet files in the stack's bucket and orders
// rows exactly as seqValue() does in TypeScript.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { quoteIdent, quoteString } from '../../src/databend/quote.js';
import { parseKey } from '../../src/files/key-layout.js';
import { fileRank, SEQ_LENGTH, seqSqlExpression, seqValue } from '../../src/merge/seq.js';
import { parquetBytes } from '../support/parquet.js';
import { connect, loadStackEnv, s3, uniqueName } from '../support/stack.js';

const stack = loadStackEnv();
const db = uniqueName('seq');
const prefix = `tests/${db}`;
const TS = 'Dms Ts';
const SEQ = 'AR_H_CHANGE_SEQ';

interface Row {
  label: string;
  ts: string | null;
  seq: string | null;
}

let conn: Connection;
let client: S3Client;

/** Upload rows as a Parquet file at `<stage root>/<path>`. */
async function putFile(path: string, rows: Row[], withSeq = true): Promise<void> {
  const columns: [string, 'string'][] = [
    ['Op', 'string'],
    [TS, 'string'],
    ['label', 'string'],
  ];
  if (withSeq) columns.push([SEQ, 'string']);
  const body = parquetBytes(
    columns,
    rows.map((row) => ({ Op: 'U', [TS]: row.ts, label: row.label, [SEQ]: row.seq })),
  );
  await client.send(
    new PutObjectCommand({ Bucket: stack.bucket, Key: `${prefix}/${path}`, Body: body }),
  );
}

function rankOf(path: string): string {
  const parsed = parseKey(path, { bucketFolder: '' });
  if (!parsed.ok) throw new Error(parsed.reason);
  return fileRank(parsed.file);
}

/** COPY the files (paths relative to the stage root) into `raw`, computing _seq. */
async function copy(
  paths: string[],
  options: { timestamp?: boolean; seq?: boolean } = {},
): Promise<number> {
  const ranks = new Map(paths.map((path) => [path, rankOf(path)]));
  const expr = seqSqlExpression({
    timestampColumn: options.timestamp === false ? undefined : TS,
    sourceSeqColumn: options.seq === false ? undefined : SEQ,
    fileRankByFilename: ranks,
  });
  return conn.exec(`COPY INTO raw (label, _file, _row, _seq)
    FROM (SELECT ${quoteIdent('label')}, metadata$filename, metadata$file_row_number, ${expr} FROM @${db})
    FILES = (${paths.map(quoteString).join(', ')}) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE`);
}

async function rawRows(
  where: string,
): Promise<{ label: string; file: string; row: number; seq: string }[]> {
  const rows = await conn.queryAll(
    `SELECT label, _file, _row::STRING, _seq FROM raw WHERE ${where} ORDER BY _seq`,
  );
  return rows.map((r) => {
    const [label, file, row, seq] = r.values() as [string, string, string, string];
    return { label, file, row: Number(row), seq };
  });
}

beforeAll(async () => {
  client = s3(stack);
  conn = await connect(stack);
  await conn.exec(`CREATE DATABASE ${quoteIdent(db)}`);
  await conn.exec(`USE ${quoteIdent(db)}`);
  await conn.exec(`CREATE STAGE ${db} URL = ${quoteString(`s3://${stack.bucket}/${prefix}/`)} CONNECTION = (
    ENDPOINT_URL = ${quoteString(stack.endpoint)}, ACCESS_KEY_ID = ${quoteString(stack.accessKeyId)},
    SECRET_ACCESS_KEY = ${quoteString(stack.secretAccessKey)}, REGION = ${quoteString(stack.region)})`);
  await conn.exec(
    'CREATE TABLE raw (label STRING, _file STRING, _row BIGINT, _seq STRING NOT NULL)',
  );
});

afterAll(async () => {
  await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
  await conn.exec(`DROP STAGE IF EXISTS ${db}`);
  await conn.close();
  client.destroy();
});

describe('_seq computed by COPY', () => {
  const L1 = 'shop/orders/LOAD00000001.parquet';
  const L2 = 'shop/orders/LOAD00000002.parquet';
  const C1 = 'shop/orders/2024/06/12/20240612-103125108.parquet';
  const C2 = 'shop/orders/20240612-1031251081.parquet';
  const at25 = '2024-06-12 10:31:25';
  const files: Record<string, Row[]> = {
    [L1]: [
      { label: 'step1-earlier-second', ts: '2024-06-12 10:31:24.999999', seq: null },
      { label: 'step3-later-fraction', ts: '2024-06-12 10:31:25.900000', seq: null },
    ],
    [L2]: [
      { label: 'null-timestamp', ts: null, seq: null },
      { label: 'step3-earlier-fraction', ts: '2024-06-12 10:31:25.100000', seq: null },
    ],
    [C1]: [
      { label: 'malformed-timestamp', ts: 'garbage', seq: null },
      { label: 'step4-seq-10', ts: at25, seq: '10' },
      { label: 'step5-earlier-file', ts: at25, seq: '12' },
      { label: 'step6-row-3', ts: at25, seq: '13' },
      { label: 'step6-row-4', ts: at25, seq: '13' },
      { label: 'step1-later-second', ts: '2024-06-12 10:31:26', seq: '1' },
    ],
    [C2]: [
      { label: 'step4-seq-9', ts: at25, seq: '9' },
      { label: 'step5-later-file', ts: at25, seq: '12' },
    ],
  };

  beforeAll(async () => {
    for (const [path, rows] of Object.entries(files)) await putFile(path, rows);
    expect(await copy(Object.keys(files))).toBe(12);
  });

  it('orders the rows step by step as the design says', async () => {
    const rows = await rawRows(`_file LIKE 'shop/orders/%'`);
    expect(rows.map((r) => r.label)).toEqual([
      'null-timestamp',
      'malformed-timestamp',
      'step1-earlier-second',
      'step3-earlier-fraction',
      'step3-later-fraction',
      'step4-seq-9',
      'step4-seq-10',
      'step5-earlier-file',
      'step5-later-file',
      'step6-row-3',
      'step6-row-4',
      'step1-later-second',
    ]);
  });

  it('computes exactly what seqValue computes in TypeScript', async () => {
    const rows = await rawRows(`_file LIKE 'shop/orders/%'`);
    for (const row of rows) {
      const source = files[row.file]?.[row.row];
      expect(source?.label).toBe(row.label);
      expect(row.seq).toBe(
        seqValue({
          timestamp: source?.ts,
          sourceSeq: source?.seq,
          fileRank: rankOf(row.file),
          rowNumber: row.row,
        }),
      );
      expect(row.seq).toHaveLength(SEQ_LENGTH);
    }
  });

  it('sees metadata$filename as the path relative to the stage URL, whatever sub-path FROM names', async () => {
    const names = await conn.queryAll(
      `SELECT DISTINCT _file FROM raw WHERE _file LIKE 'shop/orders/%' ORDER BY _file`,
    );
    expect(names.map((r) => r.values()[0] as unknown)).toEqual([C2, C1, L1, L2].sort());
    const viaSubPath = await conn.queryAll(
      `SELECT metadata$filename FROM @${db}/shop/orders/ (FILE_FORMAT => 'PARQUET', PATTERN => '.*LOAD00000001.*')`,
    );
    expect(viaSubPath.map((r) => r.values()[0] as unknown)).toEqual([L1, L1]);
  });
});

describe('_seq without optional columns and with bad input', () => {
  it('starts at the file kind when there is no timestamp column', async () => {
    const path = 'notime/t/LOAD00000001.parquet';
    await putFile(path, [{ label: 'no-timestamp', ts: '2030-01-01 00:00:00', seq: '5' }]);
    await copy([path], { timestamp: false, seq: false });
    const [row] = await rawRows(`_file = ${quoteString(path)}`);
    expect(row?.seq).toBe(seqValue({ fileRank: rankOf(path), rowNumber: 0 }));
    expect(row?.seq.startsWith('00000000000000-0-000000-')).toBe(true);
  });

  it('fails the COPY with 1065 when a file lacks a referenced column, even with MISSING_FIELD_AS = NULL', async () => {
    const path = 'noseq/t/LOAD00000001.parquet';
    await putFile(path, [{ label: 'x', ts: null, seq: null }], false);
    await expect(copy([path])).rejects.toThrow(/\[1065\]/);
    const ranks = new Map([[path, rankOf(path)]]);
    const expr = seqSqlExpression({ sourceSeqColumn: SEQ, fileRankByFilename: ranks });
    await expect(
      conn.exec(`COPY INTO raw (label, _file, _row, _seq)
        FROM (SELECT label, metadata$filename, metadata$file_row_number, ${expr} FROM @${db})
        FILES = (${quoteString(path)}) FILE_FORMAT = (TYPE = PARQUET MISSING_FIELD_AS = NULL) FORCE = TRUE`),
    ).rejects.toThrow(/\[1065\]/);
  });

  it('fails the COPY (1006, NULL into NOT NULL _seq) when a file is missing from the rank map', async () => {
    const path = 'unranked/t/LOAD00000001.parquet';
    await putFile(path, [{ label: 'x', ts: null, seq: null }]);
    const expr = seqSqlExpression({
      fileRankByFilename: new Map([['other.parquet', rankOf(path)]]),
    });
    await expect(
      conn.exec(`COPY INTO raw (label, _file, _row, _seq)
        FROM (SELECT label, metadata$filename, metadata$file_row_number, ${expr} FROM @${db})
        FILES = (${quoteString(path)}) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE`),
    ).rejects.toThrow(/\[1006\].*unable to cast `NULL`/s);
    expect(await rawRows(`_file = ${quoteString(path)}`)).toEqual([]);
  });

  it('agrees with seqValue for random timestamps and sequence values', async () => {
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    const timestamp = fc.oneof(
      fc
        .tuple(
          digits(4, 4),
          digits(2, 2),
          digits(2, 2),
          fc.constantFrom(' ', 'T', '_'),
          digits(2, 2),
          digits(2, 2),
          digits(2, 2),
          fc.option(digits(0, 11)),
        )
        .map(
          ([y, mo, d, sep, h, mi, s, f]) =>
            `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${f === null ? '' : `.${f}`}`,
        ),
      fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !/\p{Cs}/u.test(s)),
      fc.constant(null),
    );
    const sequence = fc.oneof(digits(1, 45), fc.string({ maxLength: 12 }), fc.constant(null));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ts: timestamp, seq: sequence }), { minLength: 1, maxLength: 40 }),
        async (samples) => {
          run += 1;
          const path = `prop/run${run}/LOAD00000001.parquet`;
          await putFile(
            path,
            samples.map((s, i) => ({ label: String(i), ...s })),
          );
          await copy([path]);
          const rows = await rawRows(`_file = ${quoteString(path)}`);
          expect(rows).toHaveLength(samples.length);
          for (const row of rows) {
            const sample = samples[row.row];
            expect(row.seq).toBe(
              seqValue({
                timestamp: sample?.ts,
                sourceSeq: sample?.seq,
                fileRank: rankOf(path),
                rowNumber: row.row,
              }),
            );
          }
        },
      ),
      { numRuns: 6 },
    );
  });
});
