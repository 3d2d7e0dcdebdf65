/**
 * Brings the control tables to this release's version at start-up. Every process calls it; the
 * first to find work takes the migration lock and applies the missing migrations in order, the
 * others wait until the version is current (or the lock is released) and go on.
 */
import { DatabendCode, DatabendError } from '../databend/error-codes.js';
import type { SqlSession } from '../databend/session-pool.js';
import { latestVersion, MIGRATIONS, type Migration } from './migrations.js';
import {
  createLockSql,
  createSchemaVersionSql,
  currentVersionSql,
  dropLockSql,
  lockAgeFromRows,
  lockAgeSql,
  lockHolderFromRows,
  lockHolderSql,
  nameLockHolderSql,
  recordVersionSql,
  versionFromRows,
} from './schema-version-sql.js';

export interface MigrateOptions {
  /** Who migrates, recorded with each version and shown to those waiting (host:pid). */
  readonly holder: string;
  /** How long to wait for another process's migration before giving up; default 10 minutes. */
  readonly lockWaitMs?: number;
  /**
   * A lock older than this is taken to belong to a process that died while migrating and is
   * broken; default 3 minutes (migrations are idempotent, so running one again is safe). Shorter
   * than the wait, so a lock left by a crash is broken by those waiting rather than outlasting them.
   */
  readonly lockStaleMs?: number;
  readonly pollMs?: number;
  readonly migrations?: readonly Migration[];
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onStaleLock?: (holder: string | undefined, ageSeconds: number) => void;
}

export interface MigrationOutcome {
  /** The version found. */
  readonly from: number;
  /** The version left: this release's, or a newer one a later release applied. */
  readonly to: number;
  /** This release's version. */
  readonly latest: number;
  /** The versions this call applied (none when another process did). */
  readonly applied: readonly number[];
}

/** The control tables cannot be brought to this release's version. */
export class ControlSchemaError extends Error {
  override readonly name = 'ControlSchemaError';
}

export async function migrateControlTables(
  session: SqlSession,
  controlDatabase: string,
  options: MigrateOptions,
): Promise<MigrationOutcome> {
  const migrations = options.migrations ?? MIGRATIONS;
  checkOrder(migrations);
  const latest = latestVersion(migrations);
  for (const sql of createSchemaVersionSql(controlDatabase)) await session.exec(sql);
  const from = await currentVersion(session, controlDatabase);
  if (from >= latest) return { from, to: from, latest, applied: [] };

  const locked = await waitForLock(session, controlDatabase, latest, options);
  if (!locked) return { from, to: latest, latest, applied: [] };
  const applied: number[] = [];
  try {
    // Read again under the lock: another process may have finished just before we took it.
    const current = await currentVersion(session, controlDatabase);
    for (const migration of migrations.filter((m) => m.version > current)) {
      for (const sql of migration.statements(controlDatabase)) await session.exec(sql);
      await session.exec(recordVersionSql(controlDatabase, migration, options.holder));
      applied.push(migration.version);
    }
  } finally {
    await session.exec(dropLockSql(controlDatabase)).catch(() => undefined);
  }
  return { from, to: latest, latest, applied };
}

/** True once this process holds the lock; false when another brought the version up meanwhile. */
async function waitForLock(
  session: SqlSession,
  controlDatabase: string,
  latest: number,
  options: MigrateOptions,
): Promise<boolean> {
  const waitMs = options.lockWaitMs ?? 10 * 60_000;
  const staleMs = options.lockStaleMs ?? 3 * 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const started = Date.now();
  for (;;) {
    if (await tryLock(session, controlDatabase, options.holder)) return true;
    if ((await currentVersion(session, controlDatabase)) >= latest) return false;
    const age = await lockAgeSeconds(session, controlDatabase);
    const holder = await lockHolder(session, controlDatabase);
    if (age !== undefined && age * 1000 > staleMs) {
      options.onStaleLock?.(holder, age);
      await session.exec(dropLockSql(controlDatabase));
      continue;
    }
    if (Date.now() - started > waitMs)
      throw new ControlSchemaError(
        `the control tables are at an older version and ${holder ?? 'another process'} has held ` +
          `the migration lock (${controlDatabase}.migration_lock) for ${age ?? '?'} s; ` +
          `waited ${Math.round(waitMs / 1000)} s for it`,
      );
    await sleep(options.pollMs ?? 1_000);
  }
}

async function tryLock(session: SqlSession, controlDatabase: string, holder: string) {
  try {
    await session.exec(createLockSql(controlDatabase));
  } catch (error) {
    if (error instanceof DatabendError && error.code === DatabendCode.TableAlreadyExists)
      return false;
    throw error;
  }
  await session.exec(nameLockHolderSql(controlDatabase, holder));
  return true;
}

async function currentVersion(session: SqlSession, controlDatabase: string): Promise<number> {
  return versionFromRows(await session.query(currentVersionSql(controlDatabase)));
}

async function lockAgeSeconds(session: SqlSession, controlDatabase: string) {
  return lockAgeFromRows(await session.query(lockAgeSql(controlDatabase)));
}

async function lockHolder(session: SqlSession, controlDatabase: string) {
  try {
    return lockHolderFromRows(await session.query(lockHolderSql(controlDatabase)));
  } catch (error) {
    // Released between the two reads.
    if (error instanceof DatabendError && error.code === DatabendCode.UnknownTable)
      return undefined;
    throw error;
  }
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1)
      throw new Error(
        `control-table migrations must be numbered 1, 2, 3… in order; #${index + 1} is ${migration.version}`,
      );
  });
}
