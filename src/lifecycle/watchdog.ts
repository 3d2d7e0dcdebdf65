/**
 * Liveness: the process is alive when every part that has work in hand moved recently. A wedged
 * poll loop, a batch hung on something no timeout covers, or an event loop whose timers stopped
 * firing would otherwise stay "healthy" for ever; the orchestrator restarts a process whose
 * `/healthz` fails, and SQS hands its messages to the next one.
 *
 * Parts with nothing to do report no activity, so an idle service is never restarted for being
 * idle. Dependencies are readiness's business: a part that waits for Databend to come back (an
 * outage) reports no activity either, and restarting would not bring Databend back.
 */
export interface Activity {
  /** What is moving (or not), in the report: `SQS poll loop`, `batch of orders`. */
  readonly what: string;
  /** When it last made progress (ms since the epoch, the watchdog's clock). */
  readonly lastProgressAt: number;
}

export interface LivenessReport {
  alive: boolean;
  reason?: string;
}

export interface WatchdogOptions {
  /** Longest time a part with work in hand may go without progress. */
  readonly stallTimeoutMs: number;
  /** The activities of every part with work in hand, asked at each check. */
  readonly activities: () => readonly Activity[];
  readonly now?: () => number;
}

export class LivenessWatchdog {
  private readonly now: () => number;

  constructor(private readonly options: WatchdogOptions) {
    this.now = options.now ?? Date.now;
  }

  check(): LivenessReport {
    const now = this.now();
    const stalled = this.options
      .activities()
      .filter((a) => now - a.lastProgressAt > this.options.stallTimeoutMs)
      .sort((a, b) => a.lastProgressAt - b.lastProgressAt);
    if (stalled.length === 0) return { alive: true };
    return {
      alive: false,
      reason: stalled
        .map((a) => `${a.what}: no progress for ${Math.round((now - a.lastProgressAt) / 1000)} s`)
        .join('; '),
    };
  }
}

/**
 * The event loop's own activity: a timer that notes each tick. A loop blocked outright cannot
 * answer `/healthz` at all (the probe's timeout fails it); this catches a loop whose timers
 * starve while I/O callbacks still run.
 */
export class EventLoopTicker {
  private lastTickAt: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tickMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastTickAt = now();
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.lastTickAt = this.now();
    this.timer = setInterval(() => {
      this.lastTickAt = this.now();
    }, this.tickMs);
    // Never what keeps the process running.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  activity(): Activity | undefined {
    return this.timer === undefined
      ? undefined
      : { what: 'event loop', lastProgressAt: this.lastTickAt };
  }
}
