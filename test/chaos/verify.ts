/**
 * The end of every chaos run: ODS compared with the simulated source, raw compared with the files
 * that were delivered, and the ledger with both. Each check returns problems as sentences; a run
 * passes when there are none.
 *
 * Raw is checked per file version: a file is its key and ETag, and a DMS reload writes a key
 * again, so raw rows are grouped by `_file` (the key) and `_batch`, and the ledger says which
 * batch loaded which (key, ETag). Every delivered version must have exactly one ledger row and
 * exactly one raw group of as many distinct rows as the file has; raw must hold nothing else.
 */
import type { Connection } from 'databend-driver';
import {
  compareOds,
  type DeliveredPut,
  type OdsComparison,
  type Simulation,
  type WrittenFile,
} from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import { qualified, quoteString } from '../../src/databend/quote.js';

/** A version of a file put into the bucket: what raw must hold for it. */
export interface DeliveredVersion {
  readonly key: string;
  readonly etag: string;
  /** The Databend table it loads into. */
  readonly table: string;
  readonly rows: number;
  /**
   * A later version replaced it under the same key (a DMS reload). If the service reached it only
   * after that, S3 no longer has it and it is rightly skipped (`ignored`, the ETag changed); if it
   * was loaded, it must have been loaded exactly once.
   */
  readonly superseded: boolean;
}

export interface Verdict {
  readonly ods: OdsComparison;
  readonly problems: readonly string[];
  /** Change rows found in raw over all tables. */
  readonly rawRows: number;
  readonly ledgerFiles: number;
  /** Superseded versions that were never loaded (replaced before the service read them). */
  readonly skippedSuperseded: number;
}

type Conn = Pick<Connection, 'queryAll'>;

/** Every (key, ETag) the delivery put, with its table, row count and whether a reload replaced it. */
export function deliveredVersions(
  written: readonly WrittenFile[],
  puts: readonly DeliveredPut[],
): DeliveredVersion[] {
  const byVersion = new Map(written.map((w) => [`${w.file.key}\u0000${w.file.version}`, w.file]));
  const lastVersion = new Map<string, number>();
  for (const w of written)
    lastVersion.set(w.file.key, Math.max(w.file.version, lastVersion.get(w.file.key) ?? 0));
  const versions = new Map<string, DeliveredVersion>();
  for (const put of puts) {
    const file = byVersion.get(`${put.key}\u0000${put.version}`);
    versions.set(`${put.key} @ ${put.eTag}`, {
      key: put.key,
      etag: put.eTag,
      table: file?.table.split('.')[1] ?? '',
      rows: file?.rows.length ?? 0,
      superseded: put.version < (lastVersion.get(put.key) ?? 0),
    });
  }
  return [...versions.values()];
}

async function rows(conn: Conn, sql: string): Promise<unknown[][]> {
  return (await conn.queryAll(sql)).map((r) => r.values() as unknown[]);
}

export async function verifyRun(
  conn: Conn,
  config: Config,
  simulation: Simulation,
  delivered: readonly DeliveredVersion[],
): Promise<Verdict> {
  const problems: string[] = [];
  const ods = await compareOds(conn, simulation.truth, {
    database: config.databend.odsDatabase,
  });
  if (!ods.equal) problems.push(`ODS differs from the source: ${ods.report}`);

  const ledger = await rows(
    conn,
    `SELECT object_key, etag, batch_id, row_count::STRING FROM ${qualified(config.databend.controlDatabase, 'files')} WHERE bucket = ${quoteString(config.s3.bucket)}`,
  );
  const ledgerByVersion = new Map<string, { batch: string; rows: number }[]>();
  const versionByBatch = new Map<string, string>();
  for (const [key, etag, batch, count] of ledger) {
    const version = `${String(key)} @ ${String(etag)}`;
    ledgerByVersion.set(version, [
      ...(ledgerByVersion.get(version) ?? []),
      { batch: String(batch), rows: Number(count) },
    ]);
    versionByBatch.set(`${String(key)}\u0000${String(batch)}`, version);
  }

  const wanted = new Map(delivered.map((d) => [`${d.key} @ ${d.etag}`, d]));
  const tables = [...new Set(delivered.map((d) => d.table))];
  const rawGroups = new Map<string, { rows: number; distinct: number }[]>();
  let rawRows = 0;
  for (const table of tables) {
    const groups = await rows(
      conn,
      `SELECT _file, _batch, count(*)::STRING, count(DISTINCT _row)::STRING FROM ${qualified(config.databend.rawDatabase, table)} GROUP BY _file, _batch`,
    );
    for (const [file, batch, count, distinct] of groups) {
      rawRows += Number(count);
      const version = versionByBatch.get(`${String(file)}\u0000${String(batch)}`);
      if (version === undefined) {
        problems.push(
          `raw.${table} holds ${String(count)} row(s) of ${String(file)} from batch ${String(batch)}, which the ledger does not list`,
        );
        continue;
      }
      rawGroups.set(version, [
        ...(rawGroups.get(version) ?? []),
        { rows: Number(count), distinct: Number(distinct) },
      ]);
    }
  }

  let skippedSuperseded = 0;
  for (const [version, file] of wanted) {
    const entries = ledgerByVersion.get(version) ?? [];
    if (file.superseded && entries.length === 0 && !rawGroups.has(version)) {
      skippedSuperseded++;
      continue;
    }
    if (entries.length !== 1)
      problems.push(`the ledger lists ${version} ${entries.length} times, not once`);
    const groups = rawGroups.get(version) ?? [];
    if (groups.length !== 1) {
      problems.push(`raw holds ${version} from ${groups.length} batches, not one`);
      continue;
    }
    const group = groups[0];
    if (group === undefined) continue;
    if (group.rows !== file.rows || group.distinct !== file.rows)
      problems.push(
        `raw holds ${group.rows} row(s) (${group.distinct} distinct _row) of ${version}, the file has ${file.rows}`,
      );
    const ledgerRows = entries[0]?.rows;
    if (ledgerRows !== undefined && ledgerRows !== file.rows)
      problems.push(
        `the ledger says ${version} has ${ledgerRows} row(s), the file has ${file.rows}`,
      );
  }
  for (const version of ledgerByVersion.keys())
    if (!wanted.has(version))
      problems.push(`the ledger lists ${version}, which was never delivered`);

  return { ods, problems, rawRows, ledgerFiles: ledger.length, skippedSuperseded };
}

/** `count(*) - count(DISTINCT _file, _row)` per raw table: the plain duplicate check. */
export async function rawDuplicateRows(
  conn: Conn,
  config: Config,
  tables: readonly string[],
): Promise<number> {
  let duplicates = 0;
  for (const table of tables) {
    const [row] = await rows(
      conn,
      `SELECT (count(*) - count(DISTINCT _file, _row))::STRING FROM ${qualified(config.databend.rawDatabase, table)}`,
    );
    duplicates += Number(row?.[0] ?? 0);
  }
  return duplicates;
}
