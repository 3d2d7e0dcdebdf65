/** Helpers for SQS requests: splitting batch requests, telling a refusal from an outage. */

/** An error SQS answered with a 4xx that is not throttling: the request can never succeed. */
export function refusedByService(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as { name?: unknown }).name;
  return (
    status !== undefined &&
    status >= 400 &&
    status < 500 &&
    !/throttl|limit/i.test(typeof name === 'string' ? name : '')
  );
}

/** SQS batch requests take ten entries at the most. */
export const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, i * size + size),
  );
