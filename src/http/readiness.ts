/**
 * Readiness: the service can do its work when Databend and SQS answer and it is not stopping.
 *
 * Probes run concurrently, each under a short timeout, and a result is reused for `cacheMs`:
 * orchestrators, load balancers and humans may all poll `/readyz`, and none of them may turn
 * into load on Databend. Concurrent callers while a probe runs share that probe.
 */
import { scrubUrlCredentials } from '../logger.js';

export interface ReadinessCheck {
  /** Named in the report, e.g. `databend`, `sqs`. */
  name: string;
  /** Resolves when the dependency answers; rejects (or is aborted at the timeout) otherwise. */
  probe: (signal: AbortSignal) => Promise<void>;
  /** False: reported (and exported as dependency_up) without making the service unready. */
  requiredForReadiness?: boolean;
}

export interface CheckResult {
  ok: boolean;
  /** Why it failed; credentials scrubbed. */
  error?: string;
  durationMs: number;
}

export interface ReadinessReport {
  ready: boolean;
  shuttingDown: boolean;
  /** Names of the checks that failed. */
  failed: string[];
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  checks: readonly ReadinessCheck[];
  /** Each probe's budget; a slower answer counts as a failure. Default 1,500 ms. */
  timeoutMs?: number;
  /** How long a result is reused. Default 2,000 ms. */
  cacheMs?: number;
  now?: () => number;
}

class ProbeTimeout extends Error {
  override readonly name = 'ProbeTimeout';
}

function describe(error: unknown): string {
  return scrubUrlCredentials(error instanceof Error ? error.message : String(error));
}

async function runCheck(check: ReadinessCheck, timeoutMs: number, now: () => number) {
  const started = now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProbeTimeout(`no answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    await Promise.race([check.probe(controller.signal), timeout]);
    return { ok: true, durationMs: now() - started } satisfies CheckResult;
  } catch (error) {
    return { ok: false, error: describe(error), durationMs: now() - started } satisfies CheckResult;
  } finally {
    clearTimeout(timer);
  }
}

export class Readiness {
  readonly #checks: readonly ReadinessCheck[];
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  readonly #now: () => number;
  #shuttingDown = false;
  #cached: { at: number; report: ReadinessReport } | undefined;
  #inFlight: Promise<ReadinessReport> | undefined;

  constructor(options: ReadinessOptions) {
    this.#checks = options.checks;
    this.#timeoutMs = options.timeoutMs ?? 1_500;
    this.#cacheMs = options.cacheMs ?? 2_000;
    this.#now = options.now ?? Date.now;
  }

  /** From now on the service reports not ready, without probing (the first shutdown step). */
  markShuttingDown(): void {
    this.#shuttingDown = true;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  async check(): Promise<ReadinessReport> {
    if (this.#shuttingDown) {
      return { ready: false, shuttingDown: true, failed: ['shutdown'], checks: {} };
    }
    const cached = this.#cached;
    if (cached !== undefined && this.#now() - cached.at < this.#cacheMs) return cached.report;
    this.#inFlight ??= this.#probeAll().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #probeAll(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.#checks.map(
        async (check) => [check.name, await runCheck(check, this.#timeoutMs, this.#now)] as const,
      ),
    );
    const checks = Object.fromEntries(results);
    const required = new Set(
      this.#checks.filter((c) => c.requiredForReadiness !== false).map((c) => c.name),
    );
    const failed = results
      .filter(([name, result]) => !result.ok && required.has(name))
      .map(([name]) => name);
    // A shutdown that began while probing wins over what the probes said.
    const report: ReadinessReport = {
      ready: failed.length === 0 && !this.#shuttingDown,
      shuttingDown: this.#shuttingDown,
      failed: this.#shuttingDown ? [...failed, 'shutdown'] : failed,
      checks,
    };
    this.#cached = { at: this.#now(), report };
    return report;
  }
}
