// An aged deployment's tables, built once in databases of their own and reused by every later run
// that asks for the same sizes (`--rebuild true` builds them again). The raw and ODS tables are
// created by the service's own schema code; the rows come from aged-sql.ts, in the engine.
import type { Connection } from 'databend-driver';
import type { Config } from '../../src/config.js';
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';
import { prepareTables } from '../harness/floor.js';
import type { BenchFile } from '../workload/write-files.js';
import {
  chunks,
  ledgerChunkSql,
  odsChunkSql,
  rawChunkSql,
  type Chunk,
  type LedgerSpec,
} from './aged-sql.js';

/** Where an aged deployment lives: fixed names, so runs find what an earlier run built. */
export interface AgedNames {
  readonly rawDatabase: string;
  readonly odsDatabase: string;
  readonly controlDatabase: string;
  /** A small ledger the aged one's look-up is compared with. */
  readonly smallControlDatabase: string;
  readonly bucket: string;
}

export function agedNames(name: string): AgedNames {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    throw new Error(`aged name ${JSON.stringify(name)}: lower-case letters, digits and _`);
  return {
    rawDatabase: `${name}_raw`,
    odsDatabase: `${name}_ods`,
    controlDatabase: `${name}_control`,
    smallControlDatabase: `${name}_small_control`,
    bucket: name.replace(/_/g, '-'),
  };
}

export interface AgedSizes {
  readonly ledgerRows: number;
  readonly ledgerTables: number;
  readonly smallLedgerRows: number;
  readonly rawDays: number;
  readonly rawRows: number;
  readonly odsRows: number;
  /** The smaller ODS table a MERGE into the large one is compared with. */
  readonly smallOdsRows: number;
}

/** Name of the small ODS twin of a table. */
export function smallOdsTable(table: string): string {
  return `${table}_small`;
}

const CHUNK_ROWS = 2_000_000;
const DAY_MS = 86_400_000;

interface Part {
  readonly name: string;
  readonly spec: string;
  readonly table: string;
  readonly rows: number;
  readonly sql: (chunk: Chunk) => string;
}

/**
 * Makes sure the aged tables exist with these sizes: the service's control, raw and ODS tables
 * for `files`' tables, then each part's rows unless a build with the same spec finished before.
 * Returns the seconds each part took to build (0 when reused).
 */
export async function ensureAgedTables(
  conn: Connection,
  config: Config,
  files: readonly BenchFile[],
  sizes: AgedSizes,
  rebuild: boolean,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const prepared = await prepareTables(config, files);
  const control = config.databend.controlDatabase;
  const smallControl = `${control.replace(/_control$/, '')}_small_control`;
  const marker = qualified(control, 'aged_build');
  await conn.exec(
    `CREATE TABLE IF NOT EXISTS ${marker} (part VARCHAR, spec VARCHAR, built_at TIMESTAMP)`,
  );
  const endMs = Date.now();
  const tables = [...prepared.byTable.keys()];
  const schema = files[0]?.table.split('.')[0] ?? 'bench';
  const ledger: LedgerSpec = {
    control,
    bucket: config.s3.bucket,
    schema,
    tablePrefix: 'orders_',
    tables: sizes.ledgerTables,
    rows: sizes.ledgerRows,
    // Each table writes a file a minute, as DMS does at its default CDC settings under load.
    fileIntervalMs: 60_000,
    endMs,
  };
  const parts: Part[] = [
    {
      name: 'ledger',
      spec: JSON.stringify({ rows: ledger.rows, tables: ledger.tables, bucket: ledger.bucket }),
      table: qualified(control, 'files'),
      rows: ledger.rows,
      sql: (c) => ledgerChunkSql(ledger, c),
    },
    {
      name: 'small ledger',
      spec: JSON.stringify({
        rows: sizes.smallLedgerRows,
        tables: ledger.tables,
        bucket: ledger.bucket,
      }),
      table: qualified(smallControl, 'files'),
      rows: sizes.smallLedgerRows,
      sql: (c) =>
        ledgerChunkSql({ ...ledger, control: smallControl, rows: sizes.smallLedgerRows }, c),
    },
  ];
  await conn.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(smallControl)}`);
  await conn.exec(
    `CREATE TABLE IF NOT EXISTS ${qualified(smallControl, 'files')} LIKE ${qualified(control, 'files')}`,
  );
  for (const table of tables) {
    const rawColumns = await columnsOf(conn, config.databend.rawDatabase, table);
    const odsColumns = await columnsOf(conn, config.databend.odsDatabase, table);
    parts.push({
      name: `raw ${table}`,
      spec: JSON.stringify({ rows: sizes.rawRows, days: sizes.rawDays, columns: rawColumns }),
      table: qualified(config.databend.rawDatabase, table),
      rows: sizes.rawRows,
      sql: (c) =>
        rawChunkSql(
          {
            database: config.databend.rawDatabase,
            table,
            columns: rawColumns,
            schema,
            rows: sizes.rawRows,
            rowsPerFile: 500,
            spanMs: sizes.rawDays * DAY_MS,
            endMs,
            keys: sizes.odsRows,
          },
          c,
        ),
    });
    for (const [name, rows] of [
      [table, sizes.odsRows],
      [smallOdsTable(table), sizes.smallOdsRows],
    ] as const) {
      const odsTable = qualified(config.databend.odsDatabase, name);
      if (name !== table)
        await conn.exec(
          `CREATE TABLE IF NOT EXISTS ${odsTable} LIKE ${qualified(config.databend.odsDatabase, table)}`,
        );
      parts.push({
        name: `ods ${name}`,
        spec: JSON.stringify({ rows, columns: odsColumns }),
        table: odsTable,
        rows,
        sql: (c) =>
          odsChunkSql(
            {
              database: config.databend.odsDatabase,
              table: name,
              columns: odsColumns,
              rows,
              spanMs: 365 * DAY_MS,
              endMs,
            },
            c,
          ),
      });
    }
  }
  const seconds: Record<string, number> = {};
  for (const part of parts) {
    const done = await conn.queryRow(
      `SELECT count(*)::STRING FROM ${marker} WHERE part = ${quoteString(part.name)} AND spec = ${quoteString(part.spec)}`,
    );
    if (!rebuild && Number((done?.values() as string[] | undefined)?.[0] ?? 0) > 0) {
      seconds[part.name] = 0;
      continue;
    }
    const started = Date.now();
    log(`building ${part.name}: ${part.rows.toLocaleString('en')} rows…`);
    await conn.exec(`DELETE FROM ${marker} WHERE part = ${quoteString(part.name)}`);
    await conn.exec(`TRUNCATE TABLE ${part.table}`);
    for (const chunk of chunks(part.rows, CHUNK_ROWS)) {
      await conn.exec(part.sql(chunk));
      log(`  ${(chunk.offset + chunk.count).toLocaleString('en')} rows`);
    }
    await conn.exec(
      `INSERT INTO ${marker} (part, spec, built_at) VALUES (${quoteString(part.name)}, ${quoteString(part.spec)}, now())`,
    );
    seconds[part.name] = (Date.now() - started) / 1000;
    log(`  ${part.name} built in ${seconds[part.name]?.toFixed(0)} s`);
  }
  return seconds;
}

export async function columnsOf(
  conn: Connection,
  database: string,
  table: string,
): Promise<string[]> {
  const rows = await conn.queryAll(
    `SELECT name FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(table)}`,
  );
  const names = rows.map((r) => String((r.values() as unknown[])[0]));
  if (names.length === 0) throw new Error(`${database}.${table} has no columns`);
  return names;
}

/**
 * Removes the rows earlier runs' streams left in the aged raw and ODS tables (keys above the
 * built ones), so every run starts from the tables as built. Without it each run's stream rows
 * stay in the block that holds the newest keys, and the next run's MERGEs read and rewrite a
 * block that grew by a stream's worth of rows (EXPLAIN after three runs: 117,814 rows read where
 * a fresh table held 38,843): runs of one build were not comparable.
 */
export async function forgetEarlierStreams(
  conn: Connection,
  config: Config,
  tables: readonly string[],
  builtKeys: number,
): Promise<void> {
  const beyondBuilt = `${quoteIdent('order_id')} > ${Math.trunc(builtKeys)}`;
  for (const table of tables) {
    await conn.exec(
      `DELETE FROM ${qualified(config.databend.odsDatabase, table)} WHERE ${beyondBuilt}`,
    );
    await conn.exec(
      `DELETE FROM ${qualified(config.databend.rawDatabase, table)} WHERE ${beyondBuilt}`,
    );
  }
}

/** The ODS table's greatest key: the aged run's stream inserts keys above it. */
export async function greatestKey(
  conn: Connection,
  database: string,
  table: string,
  key: string,
): Promise<number> {
  const row = await conn.queryRow(
    `SELECT coalesce(max(${quoteIdent(key)}), 0)::STRING FROM ${qualified(database, table)}`,
  );
  return Number((row?.values() as string[] | undefined)?.[0] ?? 0);
}
