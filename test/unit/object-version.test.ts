import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { S3FileRef } from '../../src/files/file-ref.js';
import {
  checkBatchVersions,
  StaleObjectsError,
  VersionCheckError,
} from '../../src/files/object-version.js';

const ref = (key: string, etag = 'e1'): S3FileRef => ({
  bucket: 'b',
  key,
  etag,
  size: 1,
  eventTime: new Date(0),
  eventName: 'ObjectCreated:Put',
});

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

/** HeadObject answered per key: ok, or the given error. */
function fakeS3(answers: Record<string, S3ServiceException | Error | undefined>) {
  return {
    send: (command: { input: unknown }) => {
      const { Key, IfMatch } = command.input as { Key: string; IfMatch: string };
      expect(IfMatch).toBe('"e1"');
      const answer = answers[Key];
      return answer === undefined ? Promise.resolve({}) : Promise.reject(answer);
    },
  } as never;
}

describe('the version check after COPY', () => {
  it('passes when every object still has its ETag and COPY loaded the footer’s row count', async () => {
    await expect(
      checkBatchVersions(
        fakeS3({}),
        [{ file: { ref: ref('a') }, rowCount: 2 }],
        new Map([['a', 2]]),
      ),
    ).resolves.toBeUndefined();
  });

  it('names replaced, deleted and short files', async () => {
    const failure = await checkBatchVersions(
      fakeS3({ gone: s3Error('NotFound', 404), replaced: s3Error('Unknown', 412) }),
      [
        { file: { ref: ref('gone') }, rowCount: 1 },
        { file: { ref: ref('replaced') }, rowCount: 1 },
        { file: { ref: ref('short') }, rowCount: 3 },
        { file: { ref: ref('fine') }, rowCount: 1 },
      ],
      new Map([
        ['gone', 1],
        ['replaced', 1],
        ['short', 2],
        ['fine', 1],
      ]),
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StaleObjectsError);
    expect(Object.fromEntries((failure as StaleObjectsError).files)).toEqual({
      gone: 'not-found',
      replaced: 'etag-changed',
      short: 'rows-differ',
    });
  });

  it('says the check could not be made when S3 fails otherwise', async () => {
    await expect(
      checkBatchVersions(
        fakeS3({ a: s3Error('InternalError', 500) }),
        [{ file: { ref: ref('a') }, rowCount: 1 }],
        new Map([['a', 1]]),
      ),
    ).rejects.toBeInstanceOf(VersionCheckError);
  });
});
