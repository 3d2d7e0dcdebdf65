import { describe, expect, it } from 'vitest';
import { checkNotifications } from '../../src/cli/validate-notifications.js';

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:dms-events';

describe('checkNotifications', () => {
  it('accepts all ObjectCreated events going to the queue', () => {
    const verdict = checkNotifications(
      { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] }] },
      QUEUE,
      '',
    );
    expect(verdict).toEqual({ ok: true, detail: `s3:ObjectCreated:* go to ${QUEUE}` });
  });

  it('accepts Put and CompleteMultipartUpload with filters every DMS key passes', () => {
    const verdict = checkNotifications(
      {
        QueueConfigurations: [
          {
            QueueArn: QUEUE,
            Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:CompleteMultipartUpload'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'Prefix', Value: 'dms/' },
                  { Name: 'Suffix', Value: '.parquet' },
                ],
              },
            },
          },
        ],
      },
      QUEUE,
      'dms',
    );
    expect(verdict.ok).toBe(true);
    expect(verdict.detail).toContain('(filter: prefix "dms/", suffix ".parquet")');
  });

  it('refuses a notification that misses multipart uploads', () => {
    const verdict = checkNotifications(
      { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:Put'] }] },
      QUEUE,
      '',
    );
    expect(verdict).toEqual({
      ok: false,
      detail: `the notification to ${QUEUE} sends s3:ObjectCreated:Put but not s3:ObjectCreated:CompleteMultipartUpload (DMS uploads large files in parts)`,
    });
  });

  it('refuses filters that leave out DMS keys', () => {
    const verdict = checkNotifications(
      {
        QueueConfigurations: [
          {
            QueueArn: QUEUE,
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'prefix', Value: 'other/' },
                  { Name: 'suffix', Value: '.csv' },
                ],
              },
            },
          },
        ],
      },
      QUEUE,
      'dms',
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toContain('its prefix filter "other/" leaves out keys under "dms/"');
    expect(verdict.detail).toContain('its suffix filter ".csv" leaves out .parquet files');
  });

  it('refuses a bucket whose notifications go to another queue only', () => {
    const verdict = checkNotifications(
      { QueueConfigurations: [{ QueueArn: `${QUEUE}-other`, Events: ['s3:ObjectCreated:*'] }] },
      QUEUE,
      '',
    );
    expect(verdict).toEqual({
      ok: false,
      detail: `no ObjectCreated notification of the bucket goes to ${QUEUE} (nor to SNS or EventBridge)`,
    });
  });

  it('accepts SNS and EventBridge routes but says it cannot follow them', () => {
    const sns = checkNotifications(
      {
        TopicConfigurations: [
          { TopicArn: 'arn:aws:sns:us-east-1:1:t', Events: ['s3:ObjectCreated:*'] },
        ],
      },
      QUEUE,
      '',
    );
    expect(sns.ok).toBe(true);
    expect(sns.detail).toContain('that the topic feeds the queue is not checked');
    const eventBridge = checkNotifications({ EventBridgeConfiguration: {} }, QUEUE, '');
    expect(eventBridge.ok).toBe(true);
    expect(eventBridge.detail).toContain('not checked');
  });
});
