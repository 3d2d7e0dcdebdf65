/** What became of one announced file; an SQS message is acknowledged only when all its files are done or ignored. */
export type FileResult =
  | { readonly kind: 'done'; readonly rows: number; readonly reason: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'poison'; readonly reason: string };

export const done = (rows: number, reason: string): FileResult => ({ kind: 'done', rows, reason });
export const ignored = (reason: string): FileResult => ({ kind: 'ignored', reason });
export const retry = (reason: string): FileResult => ({ kind: 'retry', reason });
export const poison = (reason: string): FileResult => ({ kind: 'poison', reason });
