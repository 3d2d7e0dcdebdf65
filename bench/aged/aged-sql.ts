// The SQL that fills an aged deployment's tables in the engine itself (`INSERT … SELECT … FROM
// numbers(…)`), shaped as months of the service's own writes leave them: the ledger appended in
// load-time order with many tables interleaved, raw appended batch after batch, ODS keyed by an
// increasing id. Each statement fills one chunk, so a build reports progress and a chunk is small
// enough for the shared engine.
import { qualified, quoteIdent, quoteString } from '../../src/databend/quote.js';

/** One INSERT of rows [offset, offset + count) of a part. */
export interface Chunk {
  readonly offset: number;
  readonly count: number;
}

export function chunks(total: number, size: number): Chunk[] {
  const out: Chunk[] = [];
  for (let offset = 0; offset < total; offset += size)
    out.push({ offset, count: Math.min(size, total - offset) });
  return out;
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** newBatchId()'s shape in SQL: base-36 milliseconds (8 digits today), a dash, 8 hex digits. */
function batchIdSql(msExpr: string, salt: string): string {
  const digits = Array.from({ length: 8 }, (_, i) => {
    const power = 36 ** (7 - i);
    return `substr('${BASE36}', ((${msExpr}) DIV ${power}) % 36 + 1, 1)`;
  });
  return `concat(${digits.join(', ')}, '-', substr(md5(${salt}), 1, 8))`;
}

/** A CDC file name `YYYYMMDD-HHMMSSmmm.parquet` for a timestamp expression. */
function cdcNameSql(ts: string): string {
  return `concat(date_format(${ts}, '%Y%m%d-%H%M%S'), lpad(((us DIV 1000) % 1000)::STRING, 3, '0'), '.parquet')`;
}

function micros(ms: number): number {
  return Math.round(ms * 1000);
}

export interface LedgerSpec {
  readonly control: string;
  readonly bucket: string;
  readonly schema: string;
  /** Table names `<prefix>1` … `<prefix><tables>`. */
  readonly tablePrefix: string;
  readonly tables: number;
  readonly rows: number;
  /** Every table writes one file this often (ms), the tables staggered within it. */
  readonly fileIntervalMs: number;
  /** The newest file's time, ms since the epoch. */
  readonly endMs: number;
}

/** Ledger rows [offset, offset + count): row n is table n % tables, round n ÷ tables. */
export function ledgerChunkSql(spec: LedgerSpec, chunk: Chunk): string {
  const rounds = Math.ceil(spec.rows / spec.tables);
  const startUs = micros(spec.endMs - rounds * spec.fileIntervalMs);
  const stagger = Math.floor((spec.fileIntervalMs * 1000) / spec.tables);
  const table = `concat(${quoteString(spec.tablePrefix)}, (n % ${spec.tables} + 1)::STRING)`;
  return (
    `INSERT INTO ${qualified(spec.control, 'files')} ` +
    `(bucket, object_key, etag, table_name, batch_id, file_kind, row_count, byte_size, event_time, loaded_at) ` +
    `SELECT ${quoteString(spec.bucket)}, ` +
    `concat(${quoteString(`${spec.schema}/`)}, ${table}, '/', ${cdcNameSql('ts')}), md5(n::STRING), ${table}, ` +
    `${batchIdSql('us DIV 1000', 'n::STRING')}, 'cdc', 500, 40000, ts, to_timestamp(us + 700000) ` +
    `FROM (SELECT n, us, to_timestamp(us) AS ts FROM (SELECT n, ${startUs} + (n DIV ${spec.tables}) * ${spec.fileIntervalMs * 1000} + (n % ${spec.tables}) * ${stagger} AS us ` +
    `FROM (SELECT number + ${chunk.offset} AS n FROM numbers(${chunk.count}))))`
  );
}

/** What a row of the bench's `orders` table holds, by column name; NULL for anything else. */
function ordersColumnSql(name: string, key: string, ts: string, op: string): string {
  const tsText = `${ts}::STRING`;
  switch (name) {
    case 'Op':
      return quoteString(op);
    case '_dms_ingestion_timestamp':
      return tsText;
    case 'order_id':
      return key;
    case 'user_id':
      return `(${key} * 7) % 100000 + 1`;
    case 'product_id':
      return `(${key} * 13) % 5000 + 1`;
    case 'quantity':
      return `((${key}) % 20 + 1)::INT`;
    case 'amount':
      return `((${key} * 31) % 10000000 / 100)::DECIMAL(12, 2)`;
    case 'status':
      return `split_part('pending,paid,shipped,delivered,cancelled', ',', ((${key}) % 5 + 1)::INT)`;
    case 'created_at':
    case 'updated_at':
      return ts;
    default:
      return 'NULL';
  }
}

/** `_seq` of a change at `ts`: its seconds first, then (shaped like seq.ts) a file rank and row. */
function seqSql(ts: string, file: string, row: string): string {
  return `concat(date_format(${ts}, '%Y%m%d%H%M%S'), '1', date_format(${ts}, '%H%M%S'), lpad((${file})::STRING, 60, '0'), '0000000000000000000000000000000', lpad((${row})::STRING, 10, '0'))`;
}

export interface OdsSpec {
  readonly database: string;
  readonly table: string;
  /** The table's columns in table order (read from the engine). */
  readonly columns: readonly string[];
  readonly rows: number;
  /** Keys 1 … rows were inserted evenly over this span, ending at endMs. */
  readonly spanMs: number;
  readonly endMs: number;
}

/** ODS rows with keys offset + 1 … offset + count, in key order (as an auto-increment fills it). */
export function odsChunkSql(spec: OdsSpec, chunk: Chunk): string {
  const startUs = micros(spec.endMs - spec.spanMs);
  const stepUs = Math.max(1, Math.floor(micros(spec.spanMs) / spec.rows));
  const values = spec.columns.map((c) => {
    if (c === 'is_deleted') return 'false';
    if (c === '_seq') return seqSql('ts', 'n', '0');
    if (c === '_updated_at') return 'ts';
    return ordersColumnSql(c, 'n + 1', 'ts', 'I');
  });
  return (
    `INSERT INTO ${qualified(spec.database, spec.table)} (${spec.columns.map(quoteIdent).join(', ')}) ` +
    `SELECT ${values.join(', ')} ` +
    `FROM (SELECT n, us, to_timestamp(us) AS ts FROM (SELECT n, ${startUs} + n * ${stepUs} AS us ` +
    `FROM (SELECT number + ${chunk.offset} AS n FROM numbers(${chunk.count}))))`
  );
}

export interface RawSpec {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly schema: string;
  readonly rows: number;
  readonly rowsPerFile: number;
  /** Rows spread evenly over this span, ending at endMs. */
  readonly spanMs: number;
  readonly endMs: number;
  /** Updated keys are drawn from 1 … keys. */
  readonly keys: number;
}

/** Raw rows [offset, offset + count): files of rowsPerFile updates, one batch per file. */
export function rawChunkSql(spec: RawSpec, chunk: Chunk): string {
  const files = Math.ceil(spec.rows / spec.rowsPerFile);
  const startUs = micros(spec.endMs - spec.spanMs);
  const fileStepUs = Math.max(1_000, Math.floor(micros(spec.spanMs) / files));
  const key = `((n * 7919) % ${spec.keys} + 1)`;
  const file = `(n DIV ${spec.rowsPerFile})`;
  const row = `(n % ${spec.rowsPerFile})`;
  const values = spec.columns.map((c) => {
    switch (c) {
      case '_file':
        return `concat(${quoteString(`${spec.schema}/${spec.table}/`)}, ${cdcNameSql('ts')})`;
      case '_row':
        return row;
      case '_seq':
        return seqSql('ts', file, row);
      case '_batch':
        return batchIdSql('us DIV 1000', `${file}::STRING`);
      case '_loaded_at':
        return 'to_timestamp(us + 700000)';
      default:
        return ordersColumnSql(c, key, 'ts', 'U');
    }
  });
  return (
    `INSERT INTO ${qualified(spec.database, spec.table)} (${spec.columns.map(quoteIdent).join(', ')}) ` +
    `SELECT ${values.join(', ')} ` +
    `FROM (SELECT n, us, to_timestamp(us) AS ts FROM (SELECT n, ${startUs} + (n DIV ${spec.rowsPerFile}) * ${fileStepUs} AS us ` +
    `FROM (SELECT number + ${chunk.offset} AS n FROM numbers(${chunk.count}))))`
  );
}

export interface ProbeRowsSpec {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly schema: string;
  readonly batchId: string;
  /** Updates of these keys: an expression in `n`, 0 … count - 1. */
  readonly keyOf: (n: string) => string;
  readonly count: number;
}

/** A batch of updates in raw, as COPY would leave it, for a MERGE to read (rolled back after). */
export function probeRawSql(spec: ProbeRowsSpec): string {
  const key = spec.keyOf('n');
  const values = spec.columns.map((c) => {
    switch (c) {
      case '_file':
        return `concat(${quoteString(`${spec.schema}/${spec.table}/`)}, ${cdcNameSql('ts')})`;
      case '_row':
        return 'n';
      case '_seq':
        return seqSql('ts', '0', 'n');
      case '_batch':
        return quoteString(spec.batchId);
      case '_loaded_at':
        return 'ts';
      default:
        return ordersColumnSql(c, key, 'ts', 'U');
    }
  });
  return (
    `INSERT INTO ${qualified(spec.database, spec.table)} (${spec.columns.map(quoteIdent).join(', ')}) ` +
    `SELECT ${values.join(', ')} ` +
    `FROM (SELECT n, us, to_timestamp(us) AS ts FROM (SELECT number AS n, ${micros(Date.now())} AS us FROM numbers(${spec.count})))`
  );
}
