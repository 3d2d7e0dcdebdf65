// What the backfill and sweep tests share: files put straight into a test bucket (LOAD and CDC
// files of `id, name` rows at fixed times), and reads of what they loaded.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import type { Config } from '../../src/config.js';
import { CDC_COLUMNS, DMS_TIMESTAMP, parquetBytes, type ParquetColumnType } from './parquet.js';

const LOAD_COLUMNS: [string, ParquetColumnType][] = [
  [DMS_TIMESTAMP, 'string'],
  ['id', 'int64'],
  ['name', 'string'],
];

/** The DMS timestamp of second `second` of a fixed minute. */
export const at = (second: number): string =>
  `2024-06-12 10:00:${String(second).padStart(2, '0')}.000000`;

/** A full-load file (no Op column), stamped at second 0. */
export const load = (rows: { id: number; name: string }[]): Buffer =>
  parquetBytes(
    LOAD_COLUMNS,
    rows.map((r) => ({ [DMS_TIMESTAMP]: at(0), ...r })),
  );

export const cdc = (second: number, rows: { Op: string; id: number; name: string }[]): Buffer =>
  parquetBytes(
    CDC_COLUMNS,
    rows.map((r) => ({ [DMS_TIMESTAMP]: at(second), ...r })),
  );

export async function put(
  client: S3Client,
  config: Config,
  key: string,
  body: Buffer | string,
): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: body }));
}

export async function scalar(conn: Connection, sql: string): Promise<number> {
  const row = await conn.queryRow(sql);
  return Number(row?.values()[0]);
}

/** An ODS table's rows as (id, name, is_deleted), by id. */
export async function odsRows(
  conn: Connection,
  config: Config,
  table: string,
): Promise<unknown[][]> {
  const rows = await conn.queryAll(
    `SELECT id::STRING, name, is_deleted FROM ${config.databend.odsDatabase}.${table} ORDER BY id`,
  );
  return rows.map((r) => r.values() as unknown[]);
}
