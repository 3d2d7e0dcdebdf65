/**
 * Reads the MySQL source for reconcile: read-only by construction (the session is READ ONLY
 * and only SELECTs are sent, so a user with SELECT alone is enough), one indexed key-range
 * read per chunk, and every value turned canonical (normalise.ts) as it arrives.
 */
import { createConnection, type Connection } from 'mysql2/promise';
import { fromSource, type ColumnKind } from './normalise.js';
import { mysqlAfter, mysqlKeyList } from './key-predicates.js';

export interface SourceColumn {
  readonly name: string;
  /** information_schema DATA_TYPE, e.g. `int`, `float`, `json`, `longtext`. */
  readonly dataType: string;
  /** information_schema COLUMN_TYPE, e.g. `int(10) unsigned`. */
  readonly columnType: string;
}

/** One row as compared: canonical key values and canonical values of the compared columns. */
export interface CanonicalRow {
  readonly key: readonly string[];
  readonly values: readonly (string | null)[];
}

/** What the reads need to know of a table. */
export interface SourceTableRead {
  readonly schema: string;
  readonly table: string;
  readonly keyColumns: readonly string[];
  /** Compared columns, keys first, with the kind each normalises through. */
  readonly columns: readonly { readonly name: string; readonly kind: ColumnKind }[];
}

const ident = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/** A URL without its password, for logs, lineage and reports. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'mysql://(unparsable URL)';
  }
}

export class MysqlSource {
  /** Rows the source has returned so far (chunks and re-reads). */
  rowsRead = 0;
  queries = 0;
  queryMs = 0;

  private constructor(
    private readonly conn: Connection,
    readonly url: string,
  ) {}

  static async connect(url: string): Promise<MysqlSource> {
    if (!/^mysql:\/\//i.test(url))
      throw new Error('--source must be a mysql://user:password@host:port/ URL');
    const conn = await createConnection({
      uri: url,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      jsonStrings: true,
      connectTimeout: 10_000,
    });
    // DMS writes wall-clock times as UTC: TIMESTAMP columns must read back the same way.
    await conn.query("SET time_zone = '+00:00'");
    await conn.query('SET SESSION TRANSACTION READ ONLY');
    return new MysqlSource(conn, url);
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }

  private async select(sql: string, params: unknown[]): Promise<unknown[][]> {
    const started = performance.now();
    const [rows] = await this.conn.query({ sql, rowsAsArray: true }, params);
    this.queries++;
    this.queryMs += performance.now() - started;
    return rows as unknown[][];
  }

  async columns(schema: string, table: string): Promise<SourceColumn[]> {
    const rows = await this.select(
      'SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS ' +
        'WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [schema, table],
    );
    return rows.map(([name, dataType, columnType]) => ({
      name: String(name),
      dataType: String(dataType).toLowerCase(),
      columnType: String(columnType).toLowerCase(),
    }));
  }

  /** Every base table as `<schema>.<table>`, system schemas left out. */
  async baseTables(): Promise<string[]> {
    const rows = await this.select(
      "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' " +
        "AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')",
      [],
    );
    return rows.map(([schema, table]) => `${String(schema)}.${String(table)}`);
  }

  /** The table's row estimate (information_schema), for progress only. */
  async estimatedRows(schema: string, table: string): Promise<number> {
    const rows = await this.select(
      'SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [schema, table],
    );
    return Number(rows[0]?.[0] ?? 0);
  }

  /** The source's clock, UTC, as `YYYY-MM-DD HH:MM:SS.ffffff`: when a read saw the rows. */
  async now(): Promise<string> {
    const rows = await this.select(
      "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f')",
      [],
    );
    return String(rows[0]?.[0]);
  }

  private selectList(read: SourceTableRead): string {
    // FLOAT is read widened to DOUBLE: the text protocol would round it to 6 digits.
    return read.columns
      .map((c) => (c.kind.kind === 'float32' ? `CAST(${ident(c.name)} AS DOUBLE)` : ident(c.name)))
      .join(', ');
  }

  private canonicalRows(read: SourceTableRead, rows: unknown[][]): CanonicalRow[] {
    const keyCount = read.keyColumns.length;
    this.rowsRead += rows.length;
    return rows.map((row) => {
      const values = read.columns.map((c, i) => fromSource(c.kind, row[i]));
      return { key: values.slice(0, keyCount).map((v) => v ?? ''), values };
    });
  }

  /** Up to `limit` rows after the key `after` (from the start when undefined), in key order. */
  async chunk(
    read: SourceTableRead,
    after: readonly string[] | undefined,
    limit: number,
  ): Promise<CanonicalRow[]> {
    const from = `${ident(read.schema)}.${ident(read.table)}`;
    const order = read.keyColumns.map(ident).join(', ');
    let where = '';
    const params: unknown[] = [];
    if (after !== undefined) {
      const predicate = mysqlAfter(read.keyColumns);
      where = ` WHERE ${predicate.sql}`;
      for (const i of predicate.bindOrder) params.push(this.bindKey(read, i, after[i] ?? ''));
    }
    const rows = await this.select(
      `SELECT ${this.selectList(read)} FROM ${from}${where} ORDER BY ${order} LIMIT ${Math.trunc(limit)}`,
      params,
    );
    return this.canonicalRows(read, rows);
  }

  /** The rows of these keys that exist now. */
  async rowsByKey(
    read: SourceTableRead,
    keys: readonly (readonly string[])[],
  ): Promise<CanonicalRow[]> {
    const out: CanonicalRow[] = [];
    const from = `${ident(read.schema)}.${ident(read.table)}`;
    for (let start = 0; start < keys.length; start += 500) {
      const part = keys.slice(start, start + 500);
      const params = part.flatMap((key) => key.map((v, i) => this.bindKey(read, i, v)));
      const rows = await this.select(
        `SELECT ${this.selectList(read)} FROM ${from} WHERE ${mysqlKeyList(read.keyColumns, part.length)}`,
        params,
      );
      out.push(...this.canonicalRows(read, rows));
    }
    return out;
  }

  /**
   * The rows of these keys in one consistent snapshot, and the source clock taken just before
   * it: every change committed after that time is missing from the rows, none before it is.
   */
  async snapshotByKey(
    read: SourceTableRead,
    keys: readonly (readonly string[])[],
  ): Promise<{ readAt: string; rows: CanonicalRow[] }> {
    const readAt = await this.now();
    await this.conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    try {
      return { readAt, rows: await this.rowsByKey(read, keys) };
    } finally {
      await this.conn.query('COMMIT');
    }
  }

  /** A canonical key value as the parameter MySQL compares with the stored value. */
  private bindKey(read: SourceTableRead, index: number, value: string): unknown {
    const kind = read.columns[index]?.kind.kind;
    return kind === 'bytes' ? Buffer.from(value, 'hex') : value;
  }
}
