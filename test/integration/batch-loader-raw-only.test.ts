// A table no primary key is configured for loads to raw only: counted every batch, warned once.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineEvents, type TableRawOnly } from '../../src/events.js';
import type { BatchLoader } from '../../src/ingest/batch-loader.js';
import { fileId } from '../../src/files/file-ref.js';
import { goodFile } from '../support/bad-input/parquet.js';
import { loaderFixture, type LoaderFixture } from '../support/loader-fixture.js';

let fixture: LoaderFixture;
let loader: BatchLoader;
const warnings: string[] = [];
const rawOnly: TableRawOnly[] = [];

const events = new PipelineEvents();
events.on('table:raw-only', (e) => rawOnly.push(e));

beforeAll(async () => {
  fixture = await loaderFixture('rawonly', { 'shop.keyed': { primaryKey: ['id'] } });
  loader = fixture.newLoader({
    events,
    logger: pino(
      { level: 'warn' },
      { write: (line: string) => warnings.push(String((JSON.parse(line) as { msg: string }).msg)) },
    ),
  });
});

afterAll(() => fixture.close());

const put = (key: string, body: Buffer) => fixture.put(key, body);
const scalar = (sql: string) => fixture.scalar(sql);

describe('a table without a primary key', () => {
  it('loads to raw only with a reason, counts every batch and warns once', async () => {
    const first = await put('audit/events/20240101-000001000.parquet', goodFile(2, 1, 1));
    const second = await put('audit/events/20240101-000002000.parquet', goodFile(3, 10, 2));
    const reason = 'loaded to raw only: no primary key is configured for audit.events';
    expect((await loader.load([first])).get(fileId(first.ref))).toEqual({
      kind: 'done',
      rows: 2,
      reason,
    });
    expect((await loader.load([second])).get(fileId(second.ref))).toEqual({
      kind: 'done',
      rows: 3,
      reason,
    });
    expect(rawOnly).toEqual([
      { table: 'events', source: 'audit.events', files: 1 },
      { table: 'events', source: 'audit.events', files: 1 },
    ]);
    expect(warnings.filter((w) => w.startsWith('no primary key configured'))).toEqual([
      'no primary key configured: audit.events loads to raw only, without ODS; set tables.byName["audit.events"].primaryKey (then `replay` builds its ODS from raw)',
    ]);
    const { rawDatabase, odsDatabase } = fixture.target.config.databend;
    expect(await scalar(`SELECT count(*)::STRING FROM ${rawDatabase}.events`)).toBe('5');
    expect(
      await scalar(
        `SELECT count(*)::STRING FROM system.tables WHERE database = '${odsDatabase}' AND name = 'events'`,
      ),
    ).toBe('0');
  });
});
