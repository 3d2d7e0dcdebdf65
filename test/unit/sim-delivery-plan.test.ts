import { describe, expect, it } from 'vitest';
import { planDelivery } from '../../sim/index.js';

const files = Array.from({ length: 40 }, (_, i) => ({
  key: i === 30 ? 'shop/t/LOAD00000001.parquet' : `shop/t/f${String(i).padStart(2, '0')}.parquet`,
  version: i === 30 ? 2 : 1,
}));
files[0] = { key: 'shop/t/LOAD00000001.parquet', version: 1 };

describe('the delivery plan', () => {
  it('puts every file once, in creation order, without knobs', () => {
    const plan = planDelivery(files);
    expect(plan.map((s) => s.file)).toEqual(files);
    expect(plan.every((s) => !s.duplicate && s.atMs === 0)).toBe(true);
  });

  it('shuffles within windows, duplicates and delays, deterministically for a seed', () => {
    const knobs = {
      seed: 3,
      reorderWindow: 5,
      duplicateProbability: 0.3,
      delayProbability: 0.2,
      delayMs: 50,
      intervalMs: 10,
    };
    const plan = planDelivery(files, knobs);
    expect(planDelivery(files, knobs)).toEqual(plan);
    expect(plan.map((s) => s.file)).not.toEqual(files);
    expect(plan.filter((s) => s.duplicate).length).toBeGreaterThan(3);
    expect(new Set(plan.filter((s) => !s.duplicate).map((s) => s.file))).toEqual(new Set(files));
    const times = plan.map((s) => s.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('never puts an older version of a key after a newer one', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const plan = planDelivery(files, {
        seed,
        reorderWindow: 40,
        duplicateProbability: 0.5,
        delayProbability: 0.5,
      });
      const versions = plan
        .filter((s) => s.file.key === 'shop/t/LOAD00000001.parquet')
        .map((s) => s.file.version);
      expect([...versions].sort()).toEqual(versions);
      expect(versions.at(-1)).toBe(2);
    }
  });

  it('rejects probabilities outside 0..1 and a window below 1', () => {
    expect(() => planDelivery(files, { duplicateProbability: 1.5 })).toThrow(
      /duplicateProbability/,
    );
    expect(() => planDelivery(files, { reorderWindow: 0 })).toThrow(/reorderWindow/);
  });
});
