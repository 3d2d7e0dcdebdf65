// `plan` prints what the loader runs: on the same files and the same tables, plan's schema DDL
// and batch statements are the statements the loader then executes (batch ids and event times
// aside, which differ per run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSource } from '../../src/databend/session-pool.js';
import type { PendingFile } from '../../src/ingest/pending-file.js';
import { TS } from '../support/bad-input/parquet.js';
import { runCli } from '../support/cli.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';
import { parquetBytes, type ParquetColumnType } from '../support/parquet.js';

let fixture: LoaderFixture;

beforeAll(async () => {
  fixture = await loaderFixture('planloader', { 'shop.orders': { primaryKey: ['id'] } });
});

afterAll(() => fixture.close());

/** The loader's sessions, recording every statement they run. */
function recording(log: string[]): SessionSource {
  return {
    with: (work) =>
      fixture.pool.with((session) =>
        work({
          exec: (sql) => (log.push(sql), session.exec(sql)),
          query: (sql) => (log.push(sql), session.query(sql)),
        }),
      ),
  };
}

/** Statements that change the tables or load the batch; reads and fencing left out. */
function comparable(statements: readonly string[]): string[] {
  const { rawDatabase, odsDatabase, controlDatabase } = fixture.target.config.databend;
  const onTables = (sql: string) =>
    sql.includes(`\`${rawDatabase}\``) || sql.includes(`\`${odsDatabase}\``);
  return statements
    .filter(
      (sql) =>
        (/^(CREATE|ALTER) /.test(sql) && onTables(sql)) ||
        sql.startsWith('COPY INTO') ||
        sql.startsWith('MERGE INTO') ||
        (sql.startsWith('SELECT') && sql.includes('nullkeys')) ||
        sql.startsWith(`INSERT INTO \`${controlDatabase}\`.\`files\``),
    )
    .map((sql) =>
      sql
        .replace(/\b[0-9a-z]{8,9}-[0-9a-f]{8}\b/g, '<batch>')
        .replace(/'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?'::TIMESTAMP/g, '<time>'),
    );
}

/** What `plan` prints, as statements. */
async function planned(files: readonly PendingFile[]): Promise<string[]> {
  const result = await runCli(fixture.target.config, ['plan', ...files.map((f) => f.ref.key)]);
  expect(result.stderr).toBe('');
  return result.stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('--'))
    .map((l) => l.replace(/;$/, ''));
}

async function loaded(files: readonly PendingFile[]): Promise<string[]> {
  const log: string[] = [];
  const outcomes = await fixture.newLoader({ pool: recording(log) }).load(files);
  expect([...outcomes.values()].map((o) => o.kind)).toEqual(files.map(() => 'done'));
  return log;
}

const CDC: [string, ParquetColumnType][] = [
  ['Op', 'string'],
  [TS, 'string'],
  ['id', 'int64'],
  ['BI_id', 'int64'],
  ['name', 'string'],
];

describe('plan and the loader', () => {
  it(
    'agree on a new table, before images included, and on a column added later',
    { timeout: 300_000 },
    async () => {
      const first = [
        await fixture.put(
          'shop/orders/LOAD00000001.parquet',
          parquetBytes(
            [
              [TS, 'string'],
              ['id', 'int64'],
              ['name', 'string'],
            ],
            [{ [TS]: '2024-01-01 00:00:01.000000', id: 1, name: 'ann' }],
          ),
        ),
        await fixture.put(
          'shop/orders/20240101-000002000.parquet',
          parquetBytes(CDC, [
            { Op: 'U', [TS]: '2024-01-01 00:00:02.000000', id: 2, BI_id: 1, name: 'ann' },
          ]),
        ),
      ];
      const firstPlan = comparable(await planned(first));
      expect(firstPlan.filter((s) => s.startsWith('CREATE TABLE'))).toHaveLength(2);
      expect(comparable(await loaded(first))).toEqual(firstPlan);

      const second = [
        await fixture.put(
          'shop/orders/20240101-000003000.parquet',
          parquetBytes(
            [...CDC, ['email', 'string']],
            [
              {
                Op: 'I',
                [TS]: '2024-01-01 00:00:03.000000',
                id: 3,
                BI_id: null,
                name: 'bob',
                email: 'b@x',
              },
            ],
          ),
        ),
      ];
      const secondPlan = comparable(await planned(second));
      expect(secondPlan.filter((s) => s.startsWith('ALTER TABLE'))).toHaveLength(2);
      expect(comparable(await loaded(second))).toEqual(secondPlan);
    },
  );
});
