// Vitest global setup: the same code as `npm run stack:up`. A stack that is already running is
// reused and left running; one started here is stopped when the run ends.
import { down, up } from '../stack/stack.js';

export default async function setup(): Promise<() => Promise<void>> {
  const { started } = await up({
    persistentData: false,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
    python: process.env.STACK_PYTHON,
    log: (line) => console.log(`[stack] ${line}`),
  });
  return async () => {
    if (started) await down();
  };
}
