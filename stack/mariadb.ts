// The stack's MySQL source: Debian's MariaDB server on a free loopback port, its data in a
// temporary directory. The simulator writes the source transactions into it as root; reconcile
// reads it as `reconcile`, a user with SELECT only, so the local stack proves that is enough.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort, isAlive, readPid, startDetached, stopProcess, waitFor } from './processes.js';

export const MARIADB = 'mariadb';
/** How to get the server where the install step cannot: shown by the stack and the demo. */
export const MARIADB_HINT =
  'no MariaDB server found: install it (Debian/Ubuntu: `sudo apt-get install -y mariadb-server`, ' +
  'macOS: `brew install mariadb`) and run `npm run stack:up` again';

const SEARCH_DIRS = [
  '/usr/sbin',
  '/usr/bin',
  '/usr/local/sbin',
  '/usr/local/bin',
  '/opt/homebrew/bin',
];
const RECONCILE_USER = 'reconcile';
const RECONCILE_PASSWORD = 'reconcile';

function findBinary(names: readonly string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...SEARCH_DIRS];
  for (const dir of dirs)
    for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

export interface MariadbBinaries {
  readonly server: string;
  readonly installDb: string;
}

export function findMariadb(): MariadbBinaries | undefined {
  const server = findBinary(['mariadbd', 'mysqld']);
  const installDb = findBinary(['mariadb-install-db', 'mysql_install_db']);
  return server === undefined || installDb === undefined ? undefined : { server, installDb };
}

/**
 * Installs mariadb-server with apt-get when it is missing and this process may (root on
 * Debian/Ubuntu); otherwise says in one line how to add it. Returns whether the server is there.
 */
export function installMariadb(log: (line: string) => void): boolean {
  if (findMariadb() !== undefined) return true;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || findBinary(['apt-get']) === undefined) {
    log(MARIADB_HINT);
    return false;
  }
  log('installing mariadb-server with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'mariadb-server'], { stdio: 'inherit', env });
  return findMariadb() !== undefined;
}

/** The variables the stack's env file gains for the source. */
export interface MariadbEnv {
  /** Root, for the simulator that writes the source. */
  readonly MYSQL_URL: string;
  /** A user with SELECT only, for reconcile. */
  readonly MYSQL_RECONCILE_URL: string;
  readonly MYSQL_PORT: string;
}

export async function mariadbAnswers(url: string): Promise<boolean> {
  try {
    const conn = await createConnection({ uri: url, connectTimeout: 2_000 });
    try {
      await conn.query('SELECT 1');
      return true;
    } finally {
      await conn.end();
    }
  } catch {
    return false;
  }
}

export async function mariadbRunning(
  stateDir: string,
  env: Record<string, string>,
): Promise<boolean> {
  const pid = readPid(stateDir, MARIADB);
  const url = env.MYSQL_URL;
  return pid !== undefined && isAlive(pid) && url !== undefined && (await mariadbAnswers(url));
}

/** Starts a fresh server with its data in a temporary directory; undefined when not installed. */
export async function startMariadb(
  stateDir: string,
  log: (line: string) => void,
): Promise<MariadbEnv | undefined> {
  const binaries = findMariadb();
  if (binaries === undefined) {
    log(MARIADB_HINT);
    return undefined;
  }
  await stopMariadb(stateDir);
  const dataDir = mkdtempSync(join(tmpdir(), 'stack-mariadb-'));
  writeFileSync(join(stateDir, 'mariadb.datadir'), dataDir);
  const socket = join(dataDir, 'mysqld.sock');
  const port = await freePort();
  // mariadbd refuses to run as root unless told which user to run as.
  const user = `--user=${userInfo().username}`;
  execFileSync(
    binaries.installDb,
    [
      '--no-defaults',
      `--datadir=${join(dataDir, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      user,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  startDetached(stateDir, {
    name: MARIADB,
    command: binaries.server,
    args: [
      '--no-defaults',
      `--datadir=${join(dataDir, 'data')}`,
      `--socket=${socket}`,
      `--pid-file=${join(dataDir, 'mariadb.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=128M',
      // The stack's source is disposable: commits need not reach the disk.
      '--innodb-flush-log-at-trx-commit=2',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_bin',
      '--default-time-zone=+00:00',
      user,
    ],
    cwd: dataDir,
  });
  const rootUrl = `mysql://root@127.0.0.1:${port}/`;
  await waitFor('mariadb', () => mariadbAnswers(rootUrl), 60_000, join(stateDir, 'mariadb.log'));
  const conn = await createConnection({ uri: rootUrl });
  try {
    await conn.query(
      `CREATE USER IF NOT EXISTS '${RECONCILE_USER}'@'%' IDENTIFIED BY '${RECONCILE_PASSWORD}'`,
    );
    await conn.query(`GRANT SELECT ON *.* TO '${RECONCILE_USER}'@'%'`);
  } finally {
    await conn.end();
  }
  return {
    MYSQL_URL: rootUrl,
    MYSQL_RECONCILE_URL: `mysql://${RECONCILE_USER}:${RECONCILE_PASSWORD}@127.0.0.1:${port}/`,
    MYSQL_PORT: String(port),
  };
}

export async function stopMariadb(stateDir: string): Promise<void> {
  await stopProcess(stateDir, MARIADB, 15_000);
  const marker = join(stateDir, 'mariadb.datadir');
  if (existsSync(marker)) {
    const dataDir = readFileSync(marker, 'utf8').trim();
    if (dataDir.startsWith(tmpdir())) rmSync(dataDir, { recursive: true, force: true });
    rmSync(marker, { force: true });
  }
}
