/**
 * When a chaos run strikes: SIGKILLs of the service, Databend restarts and network outages,
 * drawn from the run's seed over the time files are being delivered. Pure, so a failing run's
 * schedule can be printed and replayed from its seed.
 */
import { Rng } from '../../sim/random.js';

export type ChaosEvent =
  | {
      readonly atMs: number;
      readonly kind: 'kill';
      /** Wait for the next batch to begin and kill `offsetMs` into it (else: at `atMs`). */
      readonly duringBatch: boolean;
      readonly offsetMs: number;
      /** How long the service stays down before it is started again. */
      readonly downMs: number;
    }
  | {
      readonly atMs: number;
      /** databend-query restarts: sessions, transactions and connections lost, data kept. */
      readonly kind: 'databend-restart';
      readonly downMs: number;
    }
  | {
      readonly atMs: number;
      readonly kind: 'outage';
      readonly target: 'databend' | 'aws';
      readonly durationMs: number;
    };

export interface ScheduleOptions {
  readonly seed: number;
  /** The time over which events are spread (the delivery's length), ms. */
  readonly windowMs: number;
  readonly kills: number;
  readonly databendRestarts: number;
  readonly outages: number;
}

export function chaosSchedule(options: ScheduleOptions): ChaosEvent[] {
  const rng = new Rng(options.seed).fork('chaos-schedule');
  // Nothing in the first tenth: the service should have started and loaded something first.
  const at = (): number =>
    Math.round(options.windowMs * 0.1 + rng.int(0, Math.round(options.windowMs * 0.9)));
  const events: ChaosEvent[] = [];
  for (let i = 0; i < options.kills; i++)
    events.push({
      atMs: at(),
      kind: 'kill',
      duringBatch: rng.chance(0.5),
      offsetMs: rng.int(0, 120),
      downMs: rng.int(0, 1_500),
    });
  for (let i = 0; i < options.databendRestarts; i++)
    events.push({
      atMs: at(),
      kind: 'databend-restart',
      downMs: rng.int(0, 3_000),
    });
  for (let i = 0; i < options.outages; i++)
    events.push({
      atMs: at(),
      kind: 'outage',
      target: rng.chance(0.5) ? 'databend' : 'aws',
      durationMs: rng.int(500, 5_000),
    });
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** One line per event, for the run's report. */
export function describeEvent(event: ChaosEvent): string {
  const at = `${(event.atMs / 1000).toFixed(1)}s`;
  switch (event.kind) {
    case 'kill':
      return event.duringBatch
        ? `${at} SIGKILL the service ${event.offsetMs} ms into the next batch (down ${event.downMs} ms)`
        : `${at} SIGKILL the service (down ${event.downMs} ms)`;
    case 'databend-restart':
      return `${at} restart Databend (down ${event.downMs} ms)`;
    case 'outage':
      return `${at} ${event.target} unreachable for ${event.durationMs} ms`;
  }
}
