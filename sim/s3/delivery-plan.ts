import { Rng } from '../random.js';

/** How uploads stray from DMS's own order, to exercise at-least-once, unordered delivery. */
export interface DeliveryKnobs {
  /** Seed of the delivery's own random choices (default 1). */
  readonly seed?: number;
  /** Probability that a file is put a second time (same bytes, same ETag: a duplicate event). */
  readonly duplicateProbability?: number;
  /** Uploads are shuffled within consecutive windows of this many files (default 1: none). */
  readonly reorderWindow?: number;
  /** Probability that a file is held back by `delayMs`. */
  readonly delayProbability?: number;
  /** How long a held-back file waits, in ms of the delivery's clock (default 2000). */
  readonly delayMs?: number;
  /** Time between consecutive uploads, ms (default 0: as fast as S3 takes them). */
  readonly intervalMs?: number;
}

/** What the plan needs to know of a file. */
export interface Deliverable {
  readonly key: string;
  /** 1, or 2+ for a reload's rewrite of the key: versions of one key are never reordered. */
  readonly version: number;
}

export interface DeliveryStep<F extends Deliverable> {
  readonly file: F;
  /** When to put it, ms after the delivery starts. */
  readonly atMs: number;
  /** True for the second put of a duplicated file. */
  readonly duplicate: boolean;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`Delivery option ${message}`);
}

/**
 * Plans the uploads of files given in creation order. Reordering, delays and duplicates never
 * put an older version of a key after a newer one: DMS writes one key sequentially, and an
 * old version landing last would change what the bucket holds, not just the event order.
 */
export function planDelivery<F extends Deliverable>(
  files: readonly F[],
  knobs: DeliveryKnobs = {},
): DeliveryStep<F>[] {
  const duplicateProbability = knobs.duplicateProbability ?? 0;
  const window = knobs.reorderWindow ?? 1;
  const delayProbability = knobs.delayProbability ?? 0;
  const delayMs = knobs.delayMs ?? 2000;
  const intervalMs = knobs.intervalMs ?? 0;
  check(
    duplicateProbability >= 0 && duplicateProbability <= 1,
    'duplicateProbability must be 0..1',
  );
  check(delayProbability >= 0 && delayProbability <= 1, 'delayProbability must be 0..1');
  check(Number.isInteger(window) && window >= 1, 'reorderWindow must be an integer ≥ 1');
  check(delayMs >= 0 && intervalMs >= 0, 'delayMs and intervalMs must be ≥ 0');
  const rng = new Rng(knobs.seed ?? 1);

  const order: F[] = [];
  for (let i = 0; i < files.length; i += window)
    order.push(...rng.shuffle(files.slice(i, i + window)));

  const steps: (DeliveryStep<F> & { tie: number })[] = [];
  order.forEach((file, i) => {
    let atMs = i * intervalMs;
    if (rng.chance(delayProbability)) atMs += delayMs;
    steps.push({ file, atMs, duplicate: false, tie: steps.length });
    if (rng.chance(duplicateProbability)) {
      const later = atMs + rng.int(0, Math.max(1, 3 * intervalMs));
      steps.push({ file, atMs: later, duplicate: true, tie: steps.length });
    }
  });
  steps.sort((a, b) => a.atMs - b.atMs || a.tie - b.tie);

  // Per key, hand the key's slots in the timeline to its puts in version order.
  const slotsByKey = new Map<string, number[]>();
  steps.forEach((s, i) => {
    const slots = slotsByKey.get(s.file.key) ?? [];
    slots.push(i);
    slotsByKey.set(s.file.key, slots);
  });
  const result: DeliveryStep<F>[] = steps.map(({ file, atMs, duplicate }) => ({
    file,
    atMs,
    duplicate,
  }));
  for (const slots of slotsByKey.values()) {
    if (slots.length < 2) continue;
    const puts = slots
      .map((i) => steps[i] as DeliveryStep<F> & { tie: number })
      .sort(
        (a, b) =>
          a.file.version - b.file.version ||
          Number(a.duplicate) - Number(b.duplicate) ||
          a.tie - b.tie,
      );
    slots.forEach((slot, j) => {
      const put = puts[j] as DeliveryStep<F>;
      result[slot] = {
        file: put.file,
        atMs: (steps[slot] as DeliveryStep<F>).atMs,
        duplicate: put.duplicate,
      };
    });
  }
  return result;
}
