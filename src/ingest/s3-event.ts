/**
 * Parse an SQS message body into the S3 objects it announces.
 *
 * Accepted shapes:
 * - an S3 event notification (`{"Records":[…]}`), ObjectCreated:* records only;
 * - the same wrapped in an SNS notification (`{"Type":"Notification","Message":"<json>"}`);
 * - an EventBridge "Object Created" event from `aws.s3`.
 * `s3:TestEvent`, other event kinds and EventBridge events of other types are ignored.
 *
 * Tolerated quirks (moto): no sequencer/versionId; `eventTime` without a zone, in local time with
 * microseconds; keys encoded with quote_plus so `/` arrives as `%2F`; two ObjectCreated events
 * (Put and CompleteMultipartUpload) for one multipart upload — both are returned and the ledger's
 * (bucket, key, ETag) identity makes the second a no-op.
 */

import type { S3FileRef } from '../files/file-ref.js';

export type S3Envelope = 's3' | 'sns' | 'eventbridge';

export type ParsedS3Message =
  | { kind: 'files'; envelope: S3Envelope; files: S3FileRef[] }
  | {
      kind: 'ignored';
      envelope: S3Envelope;
      reason: string;
      /** ObjectRemoved records: nothing to load, but a removed LOAD file begins a reload. */
      removed?: RemovedObject[];
    }
  | { kind: 'malformed'; reason: string };

export interface RemovedObject {
  readonly bucket: string;
  readonly key: string;
  readonly eventTime: Date;
}

/** A shape error in a message; parseS3Message turns it into the `malformed` outcome. */
export class S3MessageError extends Error {
  override readonly name = 'S3MessageError';
}

type Json = Record<string, unknown>;

export function parseS3Message(body: string): ParsedS3Message {
  try {
    return parseDocument(parseJson(body, 'message body'), false);
  } catch (err) {
    if (err instanceof S3MessageError) {
      return { kind: 'malformed', reason: err.message };
    }
    throw err;
  }
}

function parseDocument(doc: Json, insideSns: boolean): ParsedS3Message {
  const envelope: S3Envelope = insideSns ? 'sns' : 's3';
  if (!insideSns && doc['Type'] === 'Notification' && 'Message' in doc) {
    const message = doc['Message'];
    if (typeof message !== 'string') {
      throw new S3MessageError('SNS notification whose Message is not a string');
    }
    return parseDocument(parseJson(message, 'SNS Message'), true);
  }
  if (doc['Event'] === 's3:TestEvent') {
    return { kind: 'ignored', envelope, reason: 's3:TestEvent' };
  }
  if ('Records' in doc) {
    return parseRecords(doc['Records'], envelope);
  }
  if (!insideSns && 'detail-type' in doc) {
    return parseEventBridge(doc);
  }
  throw new S3MessageError(
    'not an S3 event: no Records, no s3:TestEvent, no EventBridge detail-type',
  );
}

function parseRecords(records: unknown, envelope: S3Envelope): ParsedS3Message {
  if (!Array.isArray(records)) {
    throw new S3MessageError('Records is not an array');
  }
  const files: S3FileRef[] = [];
  const skipped: string[] = [];
  const removed: RemovedObject[] = [];
  records.forEach((record: unknown, index) => {
    const where = `Records[${index}]`;
    const rec = asObject(record, where);
    const eventName = str(rec, 'eventName', where).replace(/^s3:/, '');
    if (!eventName.startsWith('ObjectCreated:')) {
      skipped.push(eventName);
      if (eventName.startsWith('ObjectRemoved:')) removed.push(removedObject(rec, where));
      return;
    }
    const s3 = asObject(rec['s3'], `${where}.s3`);
    const bucket = asObject(s3['bucket'], `${where}.s3.bucket`);
    const object = asObject(s3['object'], `${where}.s3.object`);
    const file: S3FileRef = {
      bucket: str(bucket, 'name', `${where}.s3.bucket`),
      key: decodeEventKey(str(object, 'key', `${where}.s3.object`), where),
      etag: unquoteEtag(str(object, 'eTag', `${where}.s3.object`)),
      size: size(object['size'], `${where}.s3.object.size`),
      eventTime: parseEventTime(str(rec, 'eventTime', where), `${where}.eventTime`),
      eventName,
    };
    addOptional(file, object, 'sequencer', 'versionId');
    files.push(file);
  });
  if (files.length === 0) {
    const reason =
      skipped.length === 0
        ? 'no records'
        : `no ObjectCreated records (${[...new Set(skipped)].join(', ')})`;
    return { kind: 'ignored', envelope, reason, ...(removed.length > 0 ? { removed } : {}) };
  }
  return { kind: 'files', envelope, files };
}

function removedObject(rec: Json, where: string): RemovedObject {
  const s3 = asObject(rec['s3'], `${where}.s3`);
  const bucket = asObject(s3['bucket'], `${where}.s3.bucket`);
  const object = asObject(s3['object'], `${where}.s3.object`);
  return {
    bucket: str(bucket, 'name', `${where}.s3.bucket`),
    key: decodeEventKey(str(object, 'key', `${where}.s3.object`), where),
    eventTime: parseEventTime(str(rec, 'eventTime', where), `${where}.eventTime`),
  };
}

function parseEventBridge(doc: Json): ParsedS3Message {
  const detailType = doc['detail-type'];
  if (doc['source'] !== 'aws.s3') {
    return {
      kind: 'ignored',
      envelope: 'eventbridge',
      reason: `EventBridge event from ${String(doc['source'])}`,
    };
  }
  if (detailType !== 'Object Created') {
    return {
      kind: 'ignored',
      envelope: 'eventbridge',
      reason: `EventBridge ${String(detailType)}`,
    };
  }
  const detail = asObject(doc['detail'], 'detail');
  const bucket = asObject(detail['bucket'], 'detail.bucket');
  const object = asObject(detail['object'], 'detail.object');
  const file: S3FileRef = {
    bucket: str(bucket, 'name', 'detail.bucket'),
    // EventBridge carries the key as is, not URL-encoded.
    key: str(object, 'key', 'detail.object'),
    etag: unquoteEtag(str(object, 'etag', 'detail.object')),
    size: size(object['size'], 'detail.object.size'),
    eventTime: parseEventTime(str(doc, 'time', 'event'), 'time'),
    eventName: 'Object Created',
  };
  if (typeof object['sequencer'] === 'string') file.sequencer = object['sequencer'];
  if (typeof object['version-id'] === 'string') file.versionId = object['version-id'];
  return { kind: 'files', envelope: 'eventbridge', files: [file] };
}

/**
 * S3 event keys are form-URL-encoded: `+` is a space, then `%XX` are UTF-8 bytes. Decoding `+`
 * first is right because a literal `+` arrives as `%2B`.
 */
export function decodeEventKey(raw: string, where = 'key'): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw new S3MessageError(`${where}: key ${JSON.stringify(raw)} is not valid URL encoding`);
  }
}

function unquoteEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

// ISO-8601; the zone is optional because moto ≤ 5.2.1 sends local time without one.
const EVENT_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parse an event time. Fractions beyond milliseconds are cut (Date holds milliseconds). A time
 * without a zone is read as this process's local time, which is what moto meant by it.
 */
export function parseEventTime(text: string, where = 'eventTime'): Date {
  const m = EVENT_TIME.exec(text);
  if (m === null) {
    throw new S3MessageError(`${where}: ${JSON.stringify(text)} is not an ISO-8601 time`);
  }
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  const parts = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [year, month, day, hour, minute, second] = parts;
  let time: number;
  if (zone === undefined) {
    time = new Date(year, month - 1, day, hour, minute, second, ms).getTime();
  } else {
    const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    time = utc - zoneOffsetMinutes(zone) * 60_000;
  }
  const inRange =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 31 &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60;
  if (Number.isNaN(time) || !inRange) {
    throw new S3MessageError(`${where}: ${JSON.stringify(text)} is not a valid time`);
  }
  return new Date(time);
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

function parseJson(text: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new S3MessageError(`${what} is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return asObject(value, what);
}

function asObject(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new S3MessageError(`${where} is not a JSON object`);
  }
  return value as Json;
}

function str(obj: Json, field: string, where: string): string {
  const value = obj[field];
  if (typeof value !== 'string' || value === '') {
    throw new S3MessageError(`${where}.${field} is missing or not a non-empty string`);
  }
  return value;
}

function size(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new S3MessageError(`${where} is missing or not a non-negative integer`);
  }
  return value;
}

function addOptional(
  file: S3FileRef,
  object: Json,
  ...fields: ('sequencer' | 'versionId')[]
): void {
  for (const field of fields) {
    const value = object[field];
    if (typeof value === 'string' && value !== '') file[field] = value;
  }
}
