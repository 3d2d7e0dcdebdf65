// What Databend's optimistic commits give the per-table claim: writers of one table exclude each
// other, writers of different tables do not, and a retry re-reads the ledger inside its own
// transaction. Every statement runs on the real engine, on sessions of their own.
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSql, createClaimTableSql, type WriterFence } from '../../src/control/claim-sql.js';
import { insertLedgerSql, loadedFilesSql } from '../../src/control/ledger-sql.js';
import { MIGRATIONS } from '../../src/control/migrations.js';
import { connect, errorCodeOf, uniqueName } from '../support/stack.js';

const control = uniqueName('claimctl');
const open: Connection[] = [];
const BUCKET = 'bucket';

async function session(): Promise<Connection> {
  const conn = await connect();
  open.push(conn);
  return conn;
}

const writer = (owner: string, token?: number): WriterFence =>
  token === undefined ? { owner } : { owner, lease: { name: 'replicas', token } };

/** One writer's batch for `file` of `table`, statement by statement, as the service runs it. */
class Batch {
  constructor(
    readonly conn: Connection,
    readonly table: string,
    readonly file: string,
    readonly fence: WriterFence = writer('w'),
  ) {}

  async begin(): Promise<void> {
    await this.conn.exec('BEGIN');
  }

  /** The claim UPDATE, then the ledger check inside the transaction: true when the file is new. */
  async claimAndCheck(): Promise<{ claimed: number; fileIsNew: boolean }> {
    const claimed = await this.conn.exec(claimSql(control, this.table, this.fence, this.file));
    const loaded = await this.conn.queryAll(loadedFilesSql(control, BUCKET, [this.file]));
    return { claimed, fileIsNew: loaded.length === 0 };
  }

  /** Appends only, like COPY into raw, a MERGE of new keys and the ledger INSERT. */
  async write(): Promise<void> {
    await this.conn.exec(
      `INSERT INTO ${control}.raw_${this.table} VALUES ('${this.file}', 1), ('${this.file}', 2)`,
    );
    await this.conn.exec(
      insertLedgerSql(control, [
        {
          bucket: BUCKET,
          key: this.file,
          etag: 'e',
          table: this.table,
          batchId: this.file,
          kind: 'cdc',
          rows: 2,
          size: 1,
          eventTime: undefined,
        },
      ]),
    );
  }

  /** COMMIT; the Databend code it failed with, or 'ok'. */
  async commit(): Promise<number | 'ok'> {
    try {
      await this.conn.exec('COMMIT');
      return 'ok';
    } catch (error) {
      await this.conn.exec('ROLLBACK').catch(() => undefined);
      return errorCodeOf(error) ?? -1;
    }
  }

  /** The whole batch with retries, as BatchLoader does: 'loaded' or 'already loaded'. */
  async run(): Promise<'loaded' | 'already loaded'> {
    for (;;) {
      await this.begin();
      const { fileIsNew } = await this.claimAndCheck();
      if (!fileIsNew) {
        await this.conn.exec('ROLLBACK');
        return 'already loaded';
      }
      await this.write();
      const result = await this.commit();
      if (result === 'ok') return 'loaded';
      expect([4001, 2011]).toContain(result);
    }
  }
}

async function count(sql: string): Promise<number> {
  const row = await open[0]?.queryRow(sql);
  return Number(row?.values()[0]);
}

beforeAll(async () => {
  const admin = await session();
  await admin.exec(`CREATE DATABASE ${control}`);
  for (const migration of MIGRATIONS)
    for (const sql of migration.statements(control)) await admin.exec(sql);
  for (const table of ['a', 'b', 'c']) {
    await admin.exec(`CREATE TABLE ${control}.raw_${table} (_file VARCHAR, _row BIGINT)`);
    for (const sql of createClaimTableSql(control, table)) await admin.exec(sql);
  }
});

afterAll(async () => {
  await open[0]?.exec(`DROP DATABASE IF EXISTS ${control}`);
  for (const conn of open) await conn.close();
});

describe('two writers of one table', () => {
  it('never both commit: the second COMMIT fails, and its retry finds the file in the ledger', async () => {
    const first = new Batch(await session(), 'a', 'a-1.parquet', writer('one'));
    const second = new Batch(await session(), 'a', 'a-1.parquet', writer('two'));
    await first.begin();
    await second.begin();
    // Both claim and both see the file as new: neither has committed yet.
    expect(await first.claimAndCheck()).toEqual({ claimed: 1, fileIsNew: true });
    expect(await second.claimAndCheck()).toEqual({ claimed: 1, fileIsNew: true });
    await first.write();
    await second.write();
    expect(await first.commit()).toBe('ok');
    expect([4001, 2011]).toContain(await second.commit());

    // The retry, in a new transaction, reads the ledger after its claim and sees the file done.
    await second.begin();
    expect((await second.claimAndCheck()).fileIsNew).toBe(false);
    await second.conn.exec('ROLLBACK');

    expect(await count(`SELECT count(*) FROM ${control}.raw_a WHERE _file = 'a-1.parquet'`)).toBe(
      2,
    );
    expect(
      await count(`SELECT count(*) FROM ${control}.files WHERE object_key = 'a-1.parquet'`),
    ).toBe(1);
  });

  it('would both commit without the claim: appends alone never conflict (what the claim is for)', async () => {
    const first = new Batch(await session(), 'b', 'b-0.parquet');
    const second = new Batch(await session(), 'b', 'b-0.parquet');
    await first.begin();
    await second.begin();
    for (const batch of [first, second]) {
      const loaded = await batch.conn.queryAll(loadedFilesSql(control, BUCKET, [batch.file]));
      expect(loaded).toHaveLength(0);
      await batch.write();
    }
    expect(await first.commit()).toBe('ok');
    expect(await second.commit()).toBe('ok');
    expect(
      await count(`SELECT count(*) FROM ${control}.files WHERE object_key = 'b-0.parquet'`),
    ).toBe(2);
  });

  it('sees a commit made after it began but before its claim: the ledger read follows the claim', async () => {
    const late = new Batch(await session(), 'a', 'a-2.parquet');
    const other = new Batch(await session(), 'a', 'a-2.parquet');
    await late.begin();
    expect(await other.run()).toBe('loaded');
    const { fileIsNew } = await late.claimAndCheck();
    expect(fileIsNew).toBe(false);
    await late.conn.exec('ROLLBACK');
  });

  it('loads a file once when several writers race for it, each retrying until it is done', async () => {
    const writers = await Promise.all(
      ['p', 'q', 'r', 's'].map(
        async (w) => new Batch(await session(), 'a', 'a-3.parquet', writer(w)),
      ),
    );
    const results = await Promise.all(writers.map((w) => w.run()));
    expect(results.filter((r) => r === 'loaded')).toHaveLength(1);
    expect(
      await count(`SELECT count(*) FROM ${control}.files WHERE object_key = 'a-3.parquet'`),
    ).toBe(1);
    expect(await count(`SELECT count(*) FROM ${control}.raw_a WHERE _file = 'a-3.parquet'`)).toBe(
      2,
    );
  });

  it('lets no writer with an older fencing token claim the table once a newer one has', async () => {
    const newer = new Batch(await session(), 'c', 'c-1.parquet', writer('new', 7));
    expect(await newer.run()).toBe('loaded');
    const older = new Batch(await session(), 'c', 'c-2.parquet', writer('old', 6));
    await older.begin();
    expect((await older.claimAndCheck()).claimed).toBe(0);
    await older.conn.exec('ROLLBACK');
  });
});

describe('writers of different tables', () => {
  it('both commit: their claims are rows of different tables', async () => {
    const a = new Batch(await session(), 'a', 'a-10.parquet');
    const b = new Batch(await session(), 'b', 'b-10.parquet');
    await a.begin();
    await b.begin();
    await a.claimAndCheck();
    await b.claimAndCheck();
    await a.write();
    await b.write(); // both append to the one ledger table: appends do not conflict
    expect(await a.commit()).toBe('ok');
    expect(await b.commit()).toBe('ok');
  });

  it('would conflict through one shared claim table whose rows share a block (why there is a table per table)', async () => {
    const admin = open[0] as Connection;
    await admin.exec(`CREATE TABLE ${control}.shared_claims (t VARCHAR, n BIGINT)`);
    await admin.exec(`INSERT INTO ${control}.shared_claims VALUES ('a', 0), ('b', 0)`);
    const a = await session();
    const b = await session();
    await a.exec('BEGIN');
    await b.exec('BEGIN');
    await a.exec(`UPDATE ${control}.shared_claims SET n = n + 1 WHERE t = 'a'`);
    await b.exec(`UPDATE ${control}.shared_claims SET n = n + 1 WHERE t = 'b'`);
    await a.exec('COMMIT');
    const failed = await b.exec('COMMIT').then(
      () => 'ok' as const,
      (error: unknown) => errorCodeOf(error),
    );
    await b.exec('ROLLBACK').catch(() => undefined);
    expect(failed).toBe(4001);
  });
});
