// The service end to end on the local stack: the DMS simulator's files land in S3, notifications
// reach SQS, and `run` makes ODS equal the source, raw hold each change once, the ledger each file once.
import { describe, expect, it } from 'vitest';
import { catalogTables, type DmsSettings, type WorkloadOptions } from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import { simulatedSource, tableSettings, waitForConvergence } from '../support/replicator.js';
import { useTestTargets } from '../support/targets.js';

const targets = useTestTargets();

async function scenario(
  name: string,
  workload: Omit<WorkloadOptions, 'tables'>,
  dms: Partial<DmsSettings> = {},
) {
  const tables = catalogTables('shop', 3);
  const { config, pipe } = await targets.target(name, tableSettings(tables), {
    dms: { sourceSeqColumn: dms.changeSeqColumn ?? 'AR_H_CHANGE_SEQ' },
  });
  const source = await simulatedSource(
    pipe.bucket,
    { durationSeconds: 20, transactionsPerSecond: 8, initialRows: 40, ...workload, tables },
    dms,
  );
  const replicator = targets.replicator(config);
  return { config, source, replicator };
}

async function rawDuplicates(config: Config): Promise<string> {
  const rows = await targets.conn.queryAll(
    `SELECT name FROM system.tables WHERE database = '${config.databend.rawDatabase}'`,
  );
  let duplicates = 0;
  for (const row of rows) {
    const table = String(row.values()[0]);
    const found = await targets.conn.queryRow(
      `SELECT (count(*) - count(DISTINCT _file, _row))::STRING FROM \`${config.databend.rawDatabase}\`.\`${table}\``,
    );
    duplicates += Number(found?.values()[0]);
  }
  return String(duplicates);
}

async function ledgerDuplicates(config: Config): Promise<string> {
  const row = await targets.conn.queryRow(
    `SELECT (count(*) - count(DISTINCT bucket, object_key, etag))::STRING FROM \`${config.databend.controlDatabase}\`.files`,
  );
  return String(row?.values()[0]);
}

describe('replication end to end', () => {
  it('converges a clean run: ODS equals the source, raw and ledger hold no duplicate', async () => {
    const { config, source, replicator } = await scenario('clean', { seed: 11 });
    replicator.start();
    await source.deliver();
    const result = await waitForConvergence(targets.conn, source.simulation, config);
    expect(result.report).toBe('all 3 tables equal');
    expect(await rawDuplicates(config)).toBe('0');
    expect(await ledgerDuplicates(config)).toBe('0');
  });

  it('converges when every file is delivered two or three times and deliveries are shuffled', async () => {
    const { config, source, replicator } = await scenario('dupes', { seed: 12 });
    replicator.start();
    await source.deliver({ seed: 5, duplicateProbability: 0.7, reorderWindow: 8 });
    await source.deliver({ seed: 6, duplicateProbability: 0.3, reorderWindow: 8 });
    const result = await waitForConvergence(targets.conn, source.simulation, config);
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
    const result = await waitForConvergence(targets.conn, source.simulation, config);
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
    const result = await waitForConvergence(targets.conn, source.simulation, config);
    expect(result.report).toBe('all 3 tables equal');
  });
});
