import { describe, expect, it } from 'vitest';
import { parseRedrivePolicy, queueOfArn } from '../../src/cli/queue-info.js';

describe('parseRedrivePolicy', () => {
  it('reads the dead-letter queue and the receive count, given as a number or a string', () => {
    expect(
      parseRedrivePolicy('{"deadLetterTargetArn":"arn:aws:sqs:r:1:dlq","maxReceiveCount":5}'),
    ).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:r:1:dlq',
      maxReceiveCount: 5,
    });
    expect(
      parseRedrivePolicy('{"deadLetterTargetArn":"arn:aws:sqs:r:1:dlq","maxReceiveCount":"3"}'),
    ).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:r:1:dlq',
      maxReceiveCount: 3,
    });
  });

  it('has no policy for a missing, malformed or incomplete attribute', () => {
    expect(parseRedrivePolicy(undefined)).toBeUndefined();
    expect(parseRedrivePolicy('')).toBeUndefined();
    expect(parseRedrivePolicy('{not json')).toBeUndefined();
    expect(parseRedrivePolicy('{"maxReceiveCount":3}')).toBeUndefined();
    expect(parseRedrivePolicy('{"deadLetterTargetArn":"a","maxReceiveCount":0}')).toBeUndefined();
  });
});

describe('queueOfArn', () => {
  it('splits an SQS ARN into the queue name and its account', () => {
    expect(queueOfArn('arn:aws:sqs:us-east-1:123456789012:dms-events-dlq')).toEqual({
      name: 'dms-events-dlq',
      account: '123456789012',
    });
  });

  it('rejects ARNs of other services', () => {
    expect(queueOfArn('arn:aws:sns:us-east-1:123456789012:topic')).toBeUndefined();
    expect(queueOfArn('dms-events')).toBeUndefined();
  });
});
