/**
 * The bucket's table folders, found by listing two levels with Delimiter '/': the schema folders
 * under the bucket folder, then the table folders under each. One request per level and schema
 * (per thousand folders), however many files the folders hold.
 */
import type { BucketLister } from './bucket-lister.js';
import { schemaLevelPrefix, tableFolderPrefix } from './sweep-cursor.js';

export interface TableFolder {
  readonly schema: string;
  readonly table: string;
  /** `[<bucketFolder>/]<schema>/<table>/`. */
  readonly prefix: string;
}

export async function listTableFolders(
  lister: BucketLister,
  bucketFolder: string,
  signal?: AbortSignal,
): Promise<TableFolder[]> {
  const root = schemaLevelPrefix(bucketFolder);
  const folders: TableFolder[] = [];
  for (const schemaPrefix of await lister.folders(root, signal)) {
    const schema = schemaPrefix.slice(root.length, -1);
    if (schema === '') continue;
    for (const tablePrefix of await lister.folders(schemaPrefix, signal)) {
      const table = tablePrefix.slice(schemaPrefix.length, -1);
      if (table === '') continue;
      folders.push({ schema, table, prefix: tableFolderPrefix(bucketFolder, schema, table) });
    }
  }
  return folders;
}
