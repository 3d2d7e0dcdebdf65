// Memory and CPU of a process from /proc (Linux): peak resident set (VmHWM), current resident
// set (VmRSS) and CPU time (utime + stime). The service is measured from outside, as an
// operator's tooling would, so the measurement costs it nothing.
import { readFile } from 'node:fs/promises';

export interface ProcSample {
  /** Current resident set, bytes. */
  readonly rssBytes: number;
  /** Peak resident set since the process started, bytes. */
  readonly peakRssBytes: number;
  /** User + system CPU time since the process started, ms. */
  readonly cpuMs: number;
}

/**
 * Clock ticks per second of utime/stime. Linux has reported USER_HZ = 100 to user space on
 * every architecture for decades (`getconf CLK_TCK`).
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** `VmHWM:	  1948 kB` → bytes; undefined when the field is absent (a kernel thread, a zombie). */
export function statusFieldBytes(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/** utime + stime of /proc/<pid>/stat in ms. The command name may hold spaces and parentheses. */
export function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3 of stat(5), utime 14 and stime 15 (1-based).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`unexpected /proc stat line: ${stat.slice(0, 80)}`);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export async function sampleProcess(pid: number): Promise<ProcSample> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
  ]);
  const rss = statusFieldBytes(status, 'VmRSS');
  const peak = statusFieldBytes(status, 'VmHWM');
  if (rss === undefined || peak === undefined) throw new Error(`process ${pid} has no memory`);
  return { rssBytes: rss, peakRssBytes: peak, cpuMs: statCpuMs(stat) };
}

/** One point of a process's resource curve. */
export interface ResourcePoint {
  /** ms since monitoring started. */
  readonly atMs: number;
  readonly rssBytes: number;
  readonly cpuMs: number;
}

export interface ResourceSummary {
  readonly peakRssBytes: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  /** CPU time over wall time: 1 is one core busy. */
  readonly cpuCores: number;
  readonly points: readonly ResourcePoint[];
}

/**
 * Samples a process every `intervalMs` until stopped. The last sample before the process ends
 * carries its peak RSS and CPU time, so `finish()` must be called while it still runs.
 */
export class ProcessMonitor {
  private readonly points: ResourcePoint[] = [];
  private readonly started = performance.now();
  private first: ProcSample | undefined;
  private last: ProcSample | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 1_000,
  ) {}

  async start(): Promise<void> {
    this.first = await this.sample();
    this.timer = setInterval(() => {
      this.sample().catch(() => undefined);
    }, this.intervalMs);
  }

  /** Takes a last sample and stops; CPU time counts from `start()`. */
  async finish(): Promise<ResourceSummary> {
    clearInterval(this.timer);
    const last = await this.sample().catch(() => this.last);
    if (this.first === undefined || last === undefined)
      throw new Error(`process ${this.pid} was never sampled`);
    const wallMs = performance.now() - this.started;
    const cpuMs = last.cpuMs - this.first.cpuMs;
    return {
      peakRssBytes: last.peakRssBytes,
      cpuMs,
      wallMs,
      cpuCores: wallMs > 0 ? cpuMs / wallMs : 0,
      points: this.points,
    };
  }

  /** The most recent sample. */
  get latest(): ResourcePoint | undefined {
    return this.points.at(-1);
  }

  /** The CPU time used since `start()` so far, ms. */
  async cpuSinceStart(): Promise<number> {
    const now = await this.sample();
    return now.cpuMs - (this.first?.cpuMs ?? now.cpuMs);
  }

  private async sample(): Promise<ProcSample> {
    const s = await sampleProcess(this.pid);
    this.last = s;
    this.points.push({
      atMs: Math.round(performance.now() - this.started),
      rssBytes: s.rssBytes,
      cpuMs: s.cpuMs,
    });
    return s;
  }
}
