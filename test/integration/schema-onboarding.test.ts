// Onboarding with no SQL: a table whose folder first appears while the service runs is created
// and converges with nothing configured but its key (by a `*` pattern, or the default key); and
// a table loaded to raw only gets its ODS built from raw by `replay` once its key is configured,
// without a file being loaded again, and then follows the stream like any other.
import { describe, expect, it } from 'vitest';
import {
  changeStream,
  compareOdsTable,
  defineTable,
  replay,
  type TableDef,
} from '../../sim/index.js';
import type { Config } from '../../src/config.js';
import { qualified, quoteString } from '../../src/databend/quote.js';
import { runCli } from '../support/cli.js';
import { waitForConvergence } from '../support/replicator.js';
import { columnNames, countOf, simulatedFiles, waitForTable } from '../support/schema-scenario.js';
import { waitFor } from '../support/wait.js';
import { useTestTargets } from '../support/targets.js';

const table = (name: string): TableDef => ({
  schema: 'shop',
  name,
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'kind', type: "enum('a','b','c')" },
    { name: 'amount', type: 'decimal(12,2)' },
    { name: 'at', type: 'datetime(6)' },
  ],
});

const targets = useTestTargets();

async function ledgerCount(config: Config, name: string): Promise<number> {
  return countOf(
    targets.conn,
    `${qualified(config.databend.controlDatabase, 'files')} WHERE table_name = ${quoteString(name)}`,
  );
}

describe('a table that appears while the service runs', () => {
  it(
    'converges with only its key configured, by pattern or by the default key',
    { timeout: 240_000 },
    async () => {
      const tables = [table('events_a'), table('events_b'), table('notes')];
      const target = await targets.target('appears', { 'shop.events_*': { primaryKey: ['id'] } });
      const config: Config = {
        ...target.config,
        tables: { ...target.config.tables, defaultPrimaryKey: ['id'] },
      };
      const { odsDatabase } = config.databend;
      const source = await simulatedFiles(
        target.pipe.bucket,
        { seed: 61, durationSeconds: 20, transactionsPerSecond: 9, initialRows: 30, tables },
        { cdcMaxBatchInterval: 5 },
      );
      const options = { database: odsDatabase };

      targets.started(config);
      await source.deliver((f) => f.table === 'shop.events_a');
      const first = await waitForTable(
        targets.conn,
        source.simulation.truth,
        'shop.events_a',
        options,
      );
      expect(first.equal).toBe(true);
      expect(await columnNames(targets.conn, odsDatabase, 'events_b')).toEqual([]);
      expect(await columnNames(targets.conn, odsDatabase, 'notes')).toEqual([]);

      await source.deliver((f) => f.table !== 'shop.events_a', { seed: 2, reorderWindow: 4 });
      const result = await waitForConvergence(targets.conn, source.simulation, config);
      expect(result.report).toBe('all 3 tables equal');
    },
  );
});

describe('a table whose key is configured after it was first loaded', () => {
  it(
    'gets its ODS from raw by replay, reloads no file, and then follows the stream',
    { timeout: 240_000 },
    async () => {
      const late = table('late');
      const target = await targets.target('latekey', {});
      const withoutKey = target.config;
      const withKey: Config = {
        ...withoutKey,
        tables: {
          ...withoutKey.tables,
          byName: { 'shop.late': { primaryKey: ['id'], columnTypes: {} } },
        },
      };
      const { rawDatabase, odsDatabase } = withoutKey.databend;
      const source = await simulatedFiles(
        target.pipe.bucket,
        {
          seed: 62,
          durationSeconds: 20,
          transactionsPerSecond: 6,
          initialRows: 30,
          tables: [late],
        },
        { cdcMaxBatchInterval: 4 },
      );
      const files = source.simulation.files;
      const cut = files[Math.floor(files.length / 2)]?.createdAt ?? 0;
      const early = files.filter((f) => f.createdAt <= cut);
      expect(early.length).toBeGreaterThan(1);
      expect(files.length - early.length).toBeGreaterThan(1);

      // Raw only: no key for shop.late yet.
      const first = targets.started(withoutKey);
      await source.deliver((f) => f.createdAt <= cut);
      const loaded = new Set(early.map((f) => f.key)).size;
      await waitFor('the early files in the ledger', async () =>
        (await ledgerCount(withoutKey, 'late')) >= loaded ? true : undefined,
      ).catch(() => undefined);
      expect(await ledgerCount(withoutKey, 'late')).toBe(loaded);
      expect(await columnNames(targets.conn, odsDatabase, 'late')).toEqual([]);
      await first.stop();
      const rawRows = await countOf(targets.conn, qualified(rawDatabase, 'late'));

      // The operator configures the key and replays: ODS from raw, nothing loaded again.
      const replayed = await runCli(withKey, ['replay', '--table', 'late']);
      expect(replayed.stderr).toBe('');
      expect(replayed.code).toBe(0);
      expect(await ledgerCount(withKey, 'late')).toBe(loaded);
      expect(await countOf(targets.conn, qualified(rawDatabase, 'late'))).toBe(rawRows);
      const expected = replay(changeStream(early), [defineTable(late)]).get('shop.late');
      if (expected === undefined) throw new Error('no expected state');
      const rebuilt = await compareOdsTable(targets.conn, expected, { database: odsDatabase });
      expect(rebuilt.equal).toBe(true);

      // The service, now with the key, carries on with the rest of the stream.
      targets.started(withKey);
      await source.deliver((f) => f.createdAt > cut);
      const result = await waitForConvergence(targets.conn, source.simulation, withKey);
      expect(result.report).toBe('all 1 tables equal');
      expect(await ledgerCount(withKey, 'late')).toBe(new Set(files.map((f) => f.key)).size);
    },
  );
});
