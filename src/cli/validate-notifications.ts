/**
 * Whether a bucket's notification configuration sends the DMS files' ObjectCreated events to the
 * queue. Pure: validate.ts reads the configuration (GetBucketNotificationConfiguration).
 */

export interface FilterRule {
  readonly Name?: string | undefined;
  readonly Value?: string | undefined;
}

export interface QueueNotification {
  readonly QueueArn?: string | undefined;
  readonly Events?: readonly string[] | undefined;
  readonly Filter?:
    | { readonly Key?: { readonly FilterRules?: readonly FilterRule[] | undefined } | undefined }
    | undefined;
}

export interface NotificationConfiguration {
  readonly QueueConfigurations?: readonly QueueNotification[] | undefined;
  readonly TopicConfigurations?:
    | readonly {
        readonly TopicArn?: string | undefined;
        readonly Events?: readonly string[] | undefined;
      }[]
    | undefined;
  readonly EventBridgeConfiguration?: object | undefined;
}

export interface NotificationVerdict {
  readonly ok: boolean;
  readonly detail: string;
}

/** The events a DMS upload may end with: a single PUT, or a multipart upload for large files. */
const NEEDED = ['s3:ObjectCreated:Put', 's3:ObjectCreated:CompleteMultipartUpload'];

function rule(n: QueueNotification, name: string): string {
  return n.Filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === name)?.Value ?? '';
}

export function checkNotifications(
  configuration: NotificationConfiguration,
  queueArn: string,
  bucketFolder: string,
): NotificationVerdict {
  const folder = bucketFolder.replace(/^\/+|\/+$/g, '');
  const dmsPrefix = folder === '' ? '' : `${folder}/`;
  const toQueue = (configuration.QueueConfigurations ?? []).filter((q) => q.QueueArn === queueArn);
  const problems: string[] = [];
  for (const q of toQueue) {
    const events = q.Events ?? [];
    const missing = events.includes('s3:ObjectCreated:*')
      ? []
      : NEEDED.filter((e) => !events.includes(e));
    const prefix = rule(q, 'prefix');
    const suffix = rule(q, 'suffix');
    // Every DMS key starts with dmsPrefix and ends in .parquet; the filter must let all of them by.
    const prefixOk = dmsPrefix.startsWith(prefix);
    const suffixOk = '.parquet'.endsWith(suffix);
    if (missing.length === 0 && prefixOk && suffixOk) {
      const filter =
        prefix === '' && suffix === '' ? '' : ` (filter: prefix "${prefix}", suffix "${suffix}")`;
      return { ok: true, detail: `${events.join(', ')} go to ${queueArn}${filter}` };
    }
    if (missing.length > 0)
      problems.push(
        `sends ${events.join(', ') || 'no event'} but not ${missing.join(', ')} (DMS uploads large files in parts)`,
      );
    if (!prefixOk)
      problems.push(`its prefix filter "${prefix}" leaves out keys under "${dmsPrefix}"`);
    if (!suffixOk) problems.push(`its suffix filter "${suffix}" leaves out .parquet files`);
  }
  if (problems.length > 0)
    return { ok: false, detail: `the notification to ${queueArn} ${problems.join('; ')}` };
  const created = (events: readonly string[] | undefined): boolean =>
    (events ?? []).some((e) => e.startsWith('s3:ObjectCreated:'));
  const topics = (configuration.TopicConfigurations ?? []).filter((t) => created(t.Events));
  if (topics.length > 0)
    return {
      ok: true,
      detail: `ObjectCreated goes to SNS ${topics.map((t) => t.TopicArn).join(', ')}; that the topic feeds the queue is not checked`,
    };
  if (configuration.EventBridgeConfiguration !== undefined)
    return {
      ok: true,
      detail: 'events go to EventBridge; that a rule feeds the queue is not checked',
    };
  return {
    ok: false,
    detail: `no ObjectCreated notification of the bucket goes to ${queueArn} (nor to SNS or EventBridge)`,
  };
}
