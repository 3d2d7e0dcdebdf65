// The service end to end on the local stack: the DMS simulator's files land in S3, notifications
// reach SQS, and `run` makes ODS equal the source, raw hold each change once, the ledger each file once.
import type { Connection } from 'databend-driver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalogTables, type DmsSettings, type WorkloadOptions } from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import {
  Replicator,
  simulatedSource,
  tableSettings,
  waitForConvergence,
} from '../support/replicator.js';
import { testTarget } from '../support/pipeline.js';
import { connect } from '../support/stack.js';

let conn: Connection;
const running: Replicator[] = [];
const databases: string[] = [];

beforeAll(async () => {
  conn = await connect();
});

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

afterAll(async () => {
  for (const db of databases) await conn.exec(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn.close();
});

async function scenario(
  name: string,
  workload: Omit<WorkloadOptions, 'tables'>,
  dms: Partial<DmsSettings> = {},
) {
  const tables = catalogTables('shop', 3);
  const { config, pipe } = await testTarget(name, tableSettings(tables), {
    dms: { sourceSeqColumn: dms.changeSeqColumn ?? 'AR_H_CHANGE_SEQ' },
  });
  databases.push(
    config.databend.rawDatabase,
    config.databend.odsDatabase,
    config.databend.controlDatabase,
  );
  const source = await simulatedSource(
    pipe.bucket,
    { durationSeconds: 20, transactionsPerSecond: 8, initialRows: 40, ...workload, tables },
    dms,
  );
  const replicator = new Replicator(config);
  running.push(replicator);
  return { config, source, replicator };
}

async function rawDuplicates(config: Config): Promise<string> {
  const rows = await conn.queryAll(
    `SELECT name FROM system.tables WHERE database = '${config.databend.rawDatabase}'`,
  );
  let duplicates = 0;
  for (const row of rows) {
    const table = String(row.values()[0]);
    const found = await conn.queryRow(
      `SELECT (count(*) - count(DISTINCT _file, _row))::STRING FROM \`${config.databend.rawDatabase}\`.\`${table}\``,
    );
    duplicates += Number(found?.values()[0]);
  }
  return String(duplicates);
}

async function ledgerDuplicates(config: Config): Promise<string> {
  const row = await conn.queryRow(
    `SELECT (count(*) - count(DISTINCT bucket, object_key, etag))::STRING FROM \`${config.databend.controlDatabase}\`.files`,
  );
  return String(row?.values()[0]);
}

describe('replication end to end', () => {
  it('converges a clean run: ODS equals the source, raw and ledger hold no duplicate', async () => {
    const { config, source, replicator } = await scenario('clean', { seed: 11 });
    replicator.start();
    await source.deliver();
    const result = await waitForConvergence(conn, source.simulation, config);
    expect(result.report).toBe('all 3 tables equal');
    expect(await rawDuplicates(config)).toBe('0');
    expect(await ledgerDuplicates(config)).toBe('0');
  });

  it('converges when every file is delivered two or three times and deliveries are shuffled', async () => {
    const { config, source, replicator } = await scenario('dupes', { seed: 12 });
    replicator.start();
    await source.deliver({ seed: 5, duplicateProbability: 0.7, reorderWindow: 8 });
    await source.deliver({ seed: 6, duplicateProbability: 0.3, reorderWindow: 8 });
    const result = await waitForConvergence(conn, source.simulation, config);
    expect(result.report).toBe('all 3 tables equal');
    expect(await rawDuplicates(config)).toBe('0');
    expect(await ledgerDuplicates(config)).toBe('0');
  });

  it('orders tied commit times with AR_H_CHANGE_SEQ, and a reload wins over older changes', async () => {
    const { config, source, replicator } = await scenario(
      'seqreload',
      { seed: 13, reload: { table: 'shop.orders', atFraction: 0.6 } },
      { changeSeqColumn: 'AR_H_CHANGE_SEQ' },
    );
    replicator.start();
    await source.deliver({ seed: 2, reorderWindow: 4 });
    const result = await waitForConvergence(conn, source.simulation, config);
    expect(result.report).toBe('all 3 tables equal');
    expect(await rawDuplicates(config)).toBe('0');
  });

  it('converges with full-load files without Op, and CDC files in date folders', async () => {
    const { config, source, replicator } = await scenario(
      'noop',
      { seed: 14 },
      {
        includeOpForFullLoad: false,
        datePartitionEnabled: true,
        datePartitionSequence: 'YYYYMMDDHH',
      },
    );
    replicator.start();
    await source.deliver({ seed: 3, reorderWindow: 6 });
    const result = await waitForConvergence(conn, source.simulation, config);
    expect(result.report).toBe('all 3 tables equal');
  });
});
