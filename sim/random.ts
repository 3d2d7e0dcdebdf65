import { uniformBigInt } from 'pure-rand/distribution/uniformBigInt';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * A seeded pseudo-random source. Everything the simulator decides goes through one of these,
 * so a seed reproduces the same workload, files and deliveries on every machine and Node
 * version (Math.random cannot be seeded). pure-rand is a small, maintained, typed PRNG library;
 * xoroshiro128+ is fast. `fork(label)` derives a separate generator, so adding a draw in one part
 * of the simulator does not shift the choices of another.
 */
export class Rng {
  readonly #gen: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number) {
    this.#gen = xoroshiro128plus(seed | 0);
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.#gen, min, max);
  }

  /** A bigint in [min, max], both included. */
  bigint(min: bigint, max: bigint): bigint {
    return uniformBigInt(this.#gen, min, max);
  }

  /** True with the given probability (0..1). */
  chance(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.int(0, 999_999) < probability * 1_000_000;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick needs a non-empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A new generator whose stream does not overlap this one's. */
  fork(label: string): Rng {
    let hash = 0x811c9dc5;
    for (const ch of label) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193);
    return new Rng(this.int(0, 0x7fffffff) ^ hash);
  }

  /** A Fisher-Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
