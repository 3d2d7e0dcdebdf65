// Control-table migrations: a fresh deployment, an upgrade from the unversioned layout of earlier
// releases with the service itself, replicas racing to migrate, a later release's migration, a
// lock left behind by a crash.
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Connection } from 'databend-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateControlTables } from '../../src/control/migrate.js';
import { MIGRATIONS, type Migration } from '../../src/control/migrations.js';
import { createLockSql } from '../../src/control/schema-version-sql.js';
import { qualified, quoteIdent } from '../../src/databend/quote.js';
import { SessionPool } from '../../src/databend/session-pool.js';
import {
  unversionedControlDdl,
  unversionedHeldInsert,
  unversionedLedgerInsert,
  unversionedPauseInsert,
} from '../fixtures/control-tables-unversioned.js';
import { insertsFile } from '../support/parquet.js';
import { dropTargetDatabases, testTarget, type TestTarget } from '../support/pipeline.js';
import { Replicator } from '../support/replicator.js';
import { connect, loadStackEnv, s3, uniqueName } from '../support/stack.js';

/** Every version this release migrates to, in order. */
const ALL = MIGRATIONS.map((m) => m.version);

let conn: Connection;
let pool: SessionPool;
let s3Client: S3Client;
const databases: string[] = [];

beforeAll(async () => {
  conn = await connect();
  s3Client = s3();
  pool = new SessionPool(loadStackEnv().dsn);
});

afterAll(async () => {
  for (const db of databases) await conn.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
  await conn.close();
  await pool.close();
  s3Client.destroy();
});

function controlDatabase(): string {
  const name = uniqueName('migrate').toLowerCase();
  databases.push(name);
  return name;
}

async function strings(sql: string): Promise<string[]> {
  const rows = await conn.queryAll(sql);
  return rows.map((row) => (row.values() as unknown[]).map(String).join('|'));
}

async function versions(control: string): Promise<string[]> {
  return strings(
    `SELECT version::STRING, applied_by FROM ${qualified(control, 'schema_version')} ORDER BY version`,
  );
}

describe('control-table migrations', () => {
  it('create the control tables on a fresh deployment and record each version once', async () => {
    const control = controlDatabase();
    const outcome = await pool.with((s) => migrateControlTables(s, control, { holder: 'fresh' }));
    expect(outcome).toEqual({
      from: 0,
      to: MIGRATIONS.length,
      latest: MIGRATIONS.length,
      applied: ALL,
    });
    expect(await versions(control)).toEqual(ALL.map((v) => `${v}|fresh`));
    const tables = await strings(
      `SELECT name FROM system.tables WHERE database = '${control}' ORDER BY name`,
    );
    expect(tables).toEqual([
      'files',
      'held_files',
      'leases',
      'reloads',
      'schema_version',
      'table_errors',
      'table_state',
    ]);

    const again = await pool.with((s) => migrateControlTables(s, control, { holder: 'restart' }));
    expect(again.applied).toEqual([]);
    expect(await versions(control)).toEqual(ALL.map((v) => `${v}|fresh`));
  });

  it('let exactly one of several replicas starting together migrate', async () => {
    const control = controlDatabase();
    const replicas = ['a', 'b', 'c', 'd'];
    const outcomes = await Promise.all(
      replicas.map((holder) =>
        pool.with((s) =>
          migrateControlTables(s, control, { holder, pollMs: 50, lockWaitMs: 30_000 }),
        ),
      ),
    );
    expect(outcomes.flatMap((o) => o.applied)).toEqual(ALL);
    expect(outcomes.every((o) => o.to === ALL.length)).toBe(true);
    expect(await versions(control)).toHaveLength(ALL.length);
  });

  it('apply a later migration on top, and let this release run on the newer layout', async () => {
    const control = controlDatabase();
    await pool.with((s) => migrateControlTables(s, control, { holder: 'v1' }));
    const addColumn: Migration = {
      version: ALL.length + 1,
      description: 'files.note',
      statements: (c) => [
        `ALTER TABLE ${qualified(c, 'files')} ADD COLUMN IF NOT EXISTS ${quoteIdent('note')} VARCHAR NULL`,
      ],
    };
    const later = await pool.with((s) =>
      migrateControlTables(s, control, { holder: 'v2', migrations: [...MIGRATIONS, addColumn] }),
    );
    expect(later).toMatchObject({
      from: ALL.length,
      to: ALL.length + 1,
      applied: [ALL.length + 1],
    });
    const columns = await strings(
      `SELECT name FROM system.columns WHERE database = '${control}' AND table = 'files' AND name = 'note'`,
    );
    expect(columns).toEqual(['note']);

    // Rolled back to this release: it finds version 2, changes nothing and goes on.
    const rolledBack = await pool.with((s) =>
      migrateControlTables(s, control, { holder: 'v1 again' }),
    );
    expect(rolledBack).toEqual({
      from: ALL.length + 1,
      to: ALL.length + 1,
      latest: ALL.length,
      applied: [],
    });
  });

  it('break a migration lock left by a process that died while migrating', async () => {
    const control = controlDatabase();
    await conn.exec(`CREATE DATABASE ${quoteIdent(control)}`);
    await conn.exec(createLockSql(control));
    const stale: string[] = [];
    const outcome = await pool.with((s) =>
      migrateControlTables(s, control, {
        holder: 'survivor',
        lockStaleMs: 0,
        pollMs: 50,
        onStaleLock: (holder) => stale.push(holder ?? 'unnamed'),
      }),
    );
    expect(stale).toEqual(['unnamed']);
    expect(outcome.applied).toEqual(ALL);
  });

  it('refuse clearly when another process holds the lock longer than the wait', async () => {
    const control = controlDatabase();
    await conn.exec(`CREATE DATABASE ${quoteIdent(control)}`);
    await conn.exec(createLockSql(control));
    await expect(
      pool.with((s) =>
        migrateControlTables(s, control, { holder: 'patient', lockWaitMs: 200, pollMs: 50 }),
      ),
    ).rejects.toThrow(/migration lock .*migration_lock.* waited 0 s/);
  });
});

describe('the service started on control tables an unversioned release created', () => {
  let target: TestTarget;
  let replicator: Replicator | undefined;

  beforeAll(async () => {
    target = await testTarget('upgrade', {
      'shop.orders': { primaryKey: ['id'] },
      'shop.items': { primaryKey: ['id'] },
    });
  });

  afterAll(async () => {
    await replicator?.stop();
    await dropTargetDatabases(conn, target.config);
  });

  it('keeps the ledger, the pauses and the held files, and writes to the old tables', async () => {
    const control = target.config.databend.controlDatabase;
    const { bucket } = target.pipe;
    const loadedBefore = {
      key: 'shop/orders/20240101-000001000.parquet',
      body: insertsFile([1, 2]),
    };
    const etag = createHash('md5').update(loadedBefore.body).digest('hex');
    for (const sql of unversionedControlDdl(control)) await conn.exec(sql);
    await conn.exec(
      unversionedLedgerInsert(control, {
        bucket,
        key: loadedBefore.key,
        etag,
        table: 'orders',
        rows: 2,
        size: loadedBefore.body.length,
      }),
    );
    await conn.exec(unversionedPauseInsert(control, 'items', 'paused before the upgrade'));
    await conn.exec(
      unversionedHeldInsert(control, {
        table: 'items',
        bucket,
        key: 'shop/items/20240101-000001000.parquet',
        etag: 'e0',
      }),
    );

    // A redelivery of the file the old release loaded, a new file, and one for the paused table.
    for (const [key, body] of [
      [loadedBefore.key, loadedBefore.body],
      ['shop/orders/20240101-000002000.parquet', insertsFile([3])],
      ['shop/items/20240101-000002000.parquet', insertsFile([9])],
    ] as const)
      await s3Client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

    replicator = new Replicator(target.config);
    replicator.start();
    const ledger = qualified(control, 'files');
    const held = qualified(control, 'held_files');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const [files] = await strings(`SELECT count(*) FROM ${ledger}`);
      const [heldCount] = await strings(`SELECT count(*) FROM ${held}`);
      if (files === '2' && heldCount === '2') break;
      await new Promise((r) => setTimeout(r, 500));
    }

    expect(await versions(control)).toHaveLength(ALL.length);
    expect(await strings(`SELECT object_key, batch_id FROM ${ledger} ORDER BY object_key`)).toEqual(
      [
        `${loadedBefore.key}|batch-before-upgrade`,
        expect.stringMatching(/^shop\/orders\/20240101-000002000\.parquet\|/),
      ],
    );
    // The file the old release loaded was acknowledged, not loaded again.
    const raw = qualified(target.config.databend.rawDatabase, 'orders');
    expect(await strings(`SELECT id::STRING FROM ${raw} ORDER BY id`)).toEqual(['3']);
    expect(
      await strings(`SELECT table_name, paused, reason FROM ${qualified(control, 'table_state')}`),
    ).toEqual(['items|true|paused before the upgrade']);
    expect(await strings(`SELECT object_key FROM ${held} ORDER BY object_key`)).toEqual([
      'shop/items/20240101-000001000.parquet',
      'shop/items/20240101-000002000.parquet',
    ]);
  }, 90_000);
});
