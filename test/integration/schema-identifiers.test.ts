// Awkward names end to end: a DMS folder and columns named with reserved words, mixed case,
// spaces, quotes, backticks, backslashes, dots and non-ASCII letters, names that differ only in
// case, a composite key of such names with before images, and a column added mid-stream, all
// through the running service. Every one reaches SQL quoted, and ODS equals the source.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableDef } from '../../sim/index.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import { PipelineEvents } from '../../src/events.js';
import { BatchLoader } from '../../src/ingest/batch-loader.js';
import type { FileResult } from '../../src/ingest/file-outcome.js';
import { prepareDatabend } from '../../src/control/prepare.js';
import { TableSchemas } from '../../src/schema/table-schemas.js';
import { TestLoader } from '../support/cli.js';
import { parquetBytes } from '../support/parquet.js';
import { tableSettings, waitForConvergence } from '../support/replicator.js';
import { columnNames, simulatedFiles } from '../support/schema-scenario.js';
import { s3 } from '../support/stack.js';
import { useTestTargets } from '../support/targets.js';

const TABLE: TableDef = {
  schema: 'Shop Front',
  name: 'Order Items.v1 "ü"',
  primaryKey: ['select', 'Id'],
  columns: [
    { name: 'select', type: 'int' },
    { name: 'Id', type: 'bigint' },
    { name: 'id', type: 'bigint' },
    { name: 'Mixed Case', type: 'varchar(32)' },
    { name: 'mixed case', type: 'varchar(32)' },
    { name: 'with "quotes"', type: 'int' },
    { name: "it's", type: 'decimal(10,2)' },
    { name: 'back`tick', type: 'varchar(16)' },
    { name: 'back\\slash', type: 'smallint' },
    { name: 'dot.ted', type: 'datetime(6)' },
    { name: 'naïve 列', type: 'text' },
    { name: 'from', type: 'date' },
  ],
};
const ADDED = { name: 'Added Ω `x`', type: 'varchar(16)' };

const targets = useTestTargets();

describe('a table whose names are awkward', () => {
  it('converges, with every name kept exactly in raw and ODS', { timeout: 240_000 }, async () => {
    const { config, pipe } = await targets.target('idents', tableSettings([TABLE]));
    const { rawDatabase, odsDatabase } = config.databend;
    const source = await simulatedFiles(
      pipe.bucket,
      {
        seed: 51,
        durationSeconds: 20,
        transactionsPerSecond: 8,
        initialRows: 30,
        tables: [TABLE],
        addColumn: { table: TABLE.name, column: ADDED, atFraction: 0.5 },
      },
      { beforeImagePrefix: 'BI_', cdcMaxBatchInterval: 5 },
    );
    expect(source.simulation.files.some((f) => f.key.startsWith('Shop Front/Order Items.v1'))).toBe(
      true,
    );

    targets.started(config);
    await source.deliver(undefined, { seed: 3, reorderWindow: 4 });
    const result = await waitForConvergence(targets.conn, source.simulation, config);
    expect(result.report).toBe('all 1 tables equal');

    const names = [...TABLE.columns.map((c) => c.name), ADDED.name];
    expect(await columnNames(targets.conn, odsDatabase, TABLE.name)).toEqual([
      '_dms_ingestion_timestamp',
      ...names,
      'is_deleted',
      '_seq',
      '_updated_at',
    ]);
    expect(await columnNames(targets.conn, rawDatabase, TABLE.name)).toEqual(
      expect.arrayContaining([...names, 'BI_select', 'BI_Id']),
    );
  });
});

describe('names that cannot be loaded', () => {
  const TS = '_dms_ingestion_timestamp';
  let pool: SessionPool;
  let files: TestLoader;
  let loader: BatchLoader;

  /** The outcome of loading one file alone. */
  async function outcome(
    key: string,
    columns: [string, 'string' | 'int64'][],
  ): Promise<FileResult> {
    const row = Object.fromEntries(
      columns.map(([name, kind]) => [name, kind === 'int64' ? 1 : 'x']),
    );
    const pending = await files.put(
      key,
      parquetBytes(
        [['Op', 'string'], [TS, 'string'], ...columns],
        [{ ...row, Op: 'I', [TS]: '2024-01-01 00:00:01' }],
      ),
    );
    const [result] = [...(await loader.load([pending])).values()];
    if (result === undefined) throw new Error('no outcome');
    return result;
  }

  beforeAll(async () => {
    const { config } = await targets.target('badnames', { 'shop.*': { primaryKey: ['id'] } });
    pool = new SessionPool(config.databend.dsn);
    await prepareDatabend(pool, config);
    files = new TestLoader(config, pool, s3());
    loader = new BatchLoader({
      config,
      pool,
      s3: s3(),
      schemas: new TableSchemas({ opColumn: 'Op', timestampColumn: TS }),
      events: new PipelineEvents(),
      logger: pino({ level: 'silent' }),
      sleep: () => Promise.resolve(),
    });
  });

  afterAll(async () => {
    await pool.close();
  });

  it(
    'refuses a column named like one the replicator owns, in any case',
    { timeout: 240_000 },
    async () => {
      const result = await outcome('shop/owned/20240101-000001000.parquet', [
        ['id', 'int64'],
        ['_SEQ', 'string'],
      ]);
      expect(result.kind).toBe('poison');
      expect(result.reason).toContain('column "_SEQ" collides with a column the replicator owns');
    },
  );

  it(
    'refuses a later column that differs from an existing one only in case (a rename)',
    { timeout: 240_000 },
    async () => {
      expect(
        (
          await outcome('shop/renamed/20240101-000001000.parquet', [
            ['id', 'int64'],
            ['Name', 'string'],
          ])
        ).kind,
      ).toBe('done');
      const result = await outcome('shop/renamed/20240101-000002000.parquet', [
        ['id', 'int64'],
        ['name', 'string'],
      ]);
      expect(result.kind).toBe('poison');
      expect(result.reason).toContain(
        'column "name" differs only in case from existing column "Name" (a rename at the source?)',
      );
    },
  );

  it(
    'refuses a name no Databend identifier syntax can write, saying why',
    { timeout: 240_000 },
    async () => {
      const result = await outcome('shop/unwritable/20240101-000001000.parquet', [
        ['id', 'int64'],
        ['a`b\\', 'string'],
      ]);
      expect(result.kind).toBe('poison');
      expect(result.reason).toContain('cannot quote identifier "a`b\\\\"');
    },
  );
});
