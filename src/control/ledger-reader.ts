/**
 * What the listings ask the ledger: which listed files it already holds, and the newest CDC key
 * per table folder. A ledger that does not exist yet (a dry run before the first start) holds
 * nothing.
 */
import type { Config } from '../config.js';
import { DatabendCode, DatabendError } from '../databend/error-codes.js';
import type { Row, SessionSource } from '../databend/session-pool.js';
import { loadedFileIds, loadedFilesSql } from './ledger-sql.js';
import { newestCdcKeysSql } from './ledger-scan-sql.js';
import type { S3FileRef } from '../files/file-ref.js';

export interface LedgerReader {
  /**
   * The fileIds of these files (all of one bucket) that the ledger holds; `loadedNotBefore`
   * (files/ledger-window.ts) bounds how far back the ledger is read.
   */
  loaded(
    files: readonly Pick<S3FileRef, 'bucket' | 'key' | 'etag'>[],
    loadedNotBefore?: Date,
  ): Promise<Set<string>>;
  /**
   * `<schema>/<table>` → the greatest CDC key loaded at or before `loadedBefore` (by event
   * time), among the ledger rows loaded at or after `loadedSince` when given.
   */
  newestCdcKeys(loadedBefore: Date, loadedSince?: Date): Promise<Map<string, string>>;
}

/** Keys per ledger query: one S3 page. */
const KEYS_PER_QUERY = 1_000;

export class DatabendLedgerReader implements LedgerReader {
  constructor(
    private readonly pool: SessionSource,
    private readonly config: Config,
  ) {}

  async loaded(
    files: readonly Pick<S3FileRef, 'bucket' | 'key' | 'etag'>[],
    loadedNotBefore?: Date,
  ): Promise<Set<string>> {
    const ids = new Set<string>();
    const bucket = files[0]?.bucket;
    if (bucket === undefined) return ids;
    const keys = [...new Set(files.map((f) => f.key))];
    for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
      const sql = loadedFilesSql(
        this.config.databend.controlDatabase,
        bucket,
        keys.slice(i, i + KEYS_PER_QUERY),
        loadedNotBefore,
      );
      for (const id of loadedFileIds(bucket, await this.query(sql))) ids.add(id);
    }
    return ids;
  }

  async newestCdcKeys(loadedBefore: Date, loadedSince?: Date): Promise<Map<string, string>> {
    const { config } = this;
    const rows = await this.query(
      newestCdcKeysSql(
        config.databend.controlDatabase,
        config.s3.bucket,
        config.s3.bucketFolder,
        loadedBefore,
        loadedSince,
      ),
    );
    return new Map(
      rows.map((r) => [`${String(r.schema_name)}/${String(r.table_folder)}`, String(r.newest_key)]),
    );
  }

  private async query(sql: string): Promise<Row[]> {
    try {
      return await this.pool.with((session) => session.query(sql));
    } catch (error) {
      const missing =
        error instanceof DatabendError &&
        (error.code === DatabendCode.UnknownDatabase || error.code === DatabendCode.UnknownTable);
      if (missing) return [];
      throw error;
    }
  }
}
