// The schema fixtures (test/fixtures/schema/*.parquet): a stage and databases to load them
// through, the DMS-shaped type fixtures' rows as text, and a COPY that loads one into a raw
// table with the lineage columns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll } from 'vitest';
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
import type { ParquetSchema } from '../../src/schema/parquet-column.js';
import { readParquetSchema } from '../../src/schema/parquet-footer.js';
import { s3RangeReader } from '../../src/schema/range-reader.js';
import { createDatabaseSql } from '../../src/schema/table-ddl.js';
import type { MappedColumn } from '../../src/schema/type-map.js';
import { connect, loadStackEnv, s3, uniqueName, type LocalStack } from './stack.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'schema');

export interface FixtureStage {
  readonly stack: LocalStack;
  readonly rawDb: string;
  readonly odsDb: string;
  /** Reads the fixtures uploaded below `prefix`. */
  readonly stage: string;
  readonly prefix: string;
  /** Open from beforeAll on, like `client`. */
  readonly conn: Connection;
  readonly client: S3Client;
  /** Puts a fixture below `prefix`; its ETag. */
  upload(name: string): Promise<string | undefined>;
  /** Uploads a fixture and reads its footer back through S3, as the loader does. */
  schemaOf(name: string): Promise<ParquetSchema>;
}

/**
 * Registers the hooks that create the databases and stage before the file's tests and drop them
 * after; call it at the top level of a test file.
 */
export function useFixtureStage(label: string): FixtureStage {
  const stack = loadStackEnv();
  const rawDb = uniqueName(`${label}_raw`);
  const odsDb = uniqueName(`${label}_ods`);
  // Stage names are bare words in Databend's grammar (a quoted name is a syntax error).
  const stage = uniqueName(`${label}_stage`);
  const prefix = `tests/${rawDb}`;
  let opened: { conn: Connection; client: S3Client } | undefined;
  const open = (): { conn: Connection; client: S3Client } => {
    if (opened === undefined) throw new Error('the connection opens in beforeAll');
    return opened;
  };

  beforeAll(async () => {
    opened = { conn: await connect(stack), client: s3(stack) };
    const { conn } = opened;
    await conn.exec(createDatabaseSql(rawDb));
    await conn.exec(createDatabaseSql(odsDb));
    await conn.exec(
      `CREATE STAGE ${stage} URL = ${quoteString(`s3://${stack.bucket}/${prefix}/`)} ` +
        `CONNECTION = (ENDPOINT_URL = ${quoteString(stack.endpoint)}, ` +
        `ACCESS_KEY_ID = ${quoteString(stack.accessKeyId)}, ` +
        `SECRET_ACCESS_KEY = ${quoteString(stack.secretAccessKey)}, REGION = ${quoteString(stack.region)})`,
    );
  });

  afterAll(async () => {
    if (opened === undefined) return;
    const { conn, client } = opened;
    await conn.exec(`DROP STAGE IF EXISTS ${stage}`);
    await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(rawDb)}`);
    await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(odsDb)}`);
    await conn.close();
    client.destroy();
  });

  const upload = async (name: string): Promise<string | undefined> => {
    const put = await open().client.send(
      new PutObjectCommand({
        Bucket: stack.bucket,
        Key: `${prefix}/${name}`,
        Body: readFileSync(join(FIXTURES, name)),
      }),
    );
    return put.ETag;
  };

  return {
    stack,
    rawDb,
    odsDb,
    stage,
    prefix,
    get conn(): Connection {
      return open().conn;
    },
    get client(): S3Client {
      return open().client;
    },
    upload,
    schemaOf: async (name) => {
      const etag = await upload(name);
      const reader = s3RangeReader(open().client, stack.bucket, `${prefix}/${name}`, etag);
      return readParquetSchema(reader, readFileSync(join(FIXTURES, name)).length);
    },
  };
}

/** Row 1, every column as text (Op aside): the extremes. */
export const DMS_TYPES_FIRST_ROW = {
  DMS_TIMESTAMP: '2024-05-28 20:21:48.298940',
  id: '1',
  tiny: '-128',
  flag: '1',
  small: '-32768',
  big: '-9223372036854775808',
  utiny: '255',
  usmall: '65535',
  uint: '4294967295',
  ubig: '18446744073709551615',
  price: '12345678.91',
  amount: '1234567890123456789012345678901234.5678',
  huge: '12345678901234567890123456789012345.123456789012345678901234567890',
  created_ms: '2024-01-02 03:04:05.678000',
  updated_us: '2024-01-02 03:04:05.678901',
  birthday: '2024-02-29',
  at_time: '12:34:56.789000',
  active: 'true',
  doc: '{"a":[1,2,{"b":null}],"s":"x\'y"}',
  name: "it's \\ ü 🙂",
  body: 'line1\nline2',
  status: 'active',
  tags: 'a,b',
  payload: '00ff10',
  bits: '8000000000000001',
  ratio: '1.5',
  score: '3.141592653589793',
};

/** Row 3, a delete (Op aside): the other extremes. */
export const DMS_TYPES_THIRD_ROW = {
  tiny: '127',
  big: '9223372036854775807',
  ubig: '9007199254740993',
  price: '-0.01',
  amount: '0.0001',
  huge: '-1.000000000000000000000000000000',
  created_ms: '1970-01-01 00:00:00.000000',
  updated_us: '2038-01-19 03:14:08.000001',
  birthday: '1000-01-01',
  at_time: '-838:59:59',
  active: 'false',
  doc: '[]',
  name: '',
  body: 'x'.repeat(300),
  payload: '',
  ratio: '-0.25',
  score: '-1e300',
};

/** COPY a fixture's columns, through their load expressions, plus the lineage columns. */
export function fixtureCopySql(
  into: { readonly rawDb: string; readonly table: string; readonly stage: string },
  columns: readonly MappedColumn[],
  file: string,
): string {
  // Every lineage column is NOT NULL, so the COPY writes them all.
  const targets = [
    ...columns.map((c) => quoteIdent(c.name)),
    ...['_file', '_row', '_seq', '_batch', '_loaded_at'].map(quoteIdent),
  ];
  const sources = [
    ...columns.map((c) => c.loadExpression(quoteIdent(c.name))),
    'metadata$filename',
    'metadata$file_row_number',
    "concat(metadata$filename, '-', lpad(metadata$file_row_number::STRING, 10, '0'))",
    quoteString('test'),
    'now()',
  ];
  return (
    `COPY INTO ${qualified(into.rawDb, into.table)} (${targets.join(', ')}) ` +
    `FROM (SELECT ${sources.join(', ')} FROM @${into.stage}) ` +
    `FILES = (${quoteString(file)}) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE`
  );
}
