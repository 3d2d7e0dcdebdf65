/**
 * The full-load objects of one table folder as S3 lists them now: `LOAD…` and `SEGMENTn_LOAD…`
 * in the folder and in its partition sub-folders (a parallel load with `partitions-auto` or
 * `partitions-list` writes `<table>/<partition>/LOAD…`). Sub-folders named only by digits, `-`
 * and `_` are date folders of CDC files (DatePartitionEnabled) and are not listed: there may be
 * thousands of them, and full-load files never sit in one.
 */
import { parseKey } from '../files/key-layout.js';
import type { BucketLister, ListedObject } from './bucket-lister.js';

const DATE_FOLDER = /^[0-9_-]+\/$/;

export async function listLoadObjects(
  lister: Pick<BucketLister, 'pages' | 'folders'>,
  bucketFolder: string,
  folder: string,
): Promise<ListedObject[]> {
  const partitions = (await lister.folders(folder)).filter(
    (sub) => !DATE_FOLDER.test(sub.slice(folder.length)),
  );
  const objects: ListedObject[] = [];
  for (const base of [folder, ...partitions])
    for (const prefix of [`${base}LOAD`, `${base}SEGMENT`])
      for await (const page of lister.pages({ prefix })) objects.push(...page);
  return objects.filter((o) => {
    const layout = parseKey(o.key, { bucketFolder });
    return layout.ok && layout.file.kind === 'load';
  });
}
