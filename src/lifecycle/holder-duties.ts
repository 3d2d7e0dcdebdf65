/**
 * What only the active writer does: receiving from SQS, the sweep, retention and the scheduled
 * reconcile. The lease starts them when this replica takes it and pauses them when it loses it,
 * so a standby neither churns the queue nor repeats a scheduled job the holder already runs
 * (retention deletes raw rows; a reconcile reads the whole source and ODS, and its metrics
 * would be reported once per replica).
 */
export interface HolderDuty {
  readonly name: string;
  start(): void;
  /** Stops starting new work; resolves when the work in progress no longer needs the lease. */
  pause(): Promise<void> | void;
}

export interface HolderDuties {
  readonly onAcquired: () => void;
  readonly onLost: () => Promise<void>;
}

export function holderDuties(duties: readonly HolderDuty[]): HolderDuties {
  return {
    onAcquired: () => {
      for (const duty of duties) duty.start();
    },
    onLost: async () => {
      await Promise.all(duties.map((duty) => Promise.resolve(duty.pause())));
    },
  };
}
