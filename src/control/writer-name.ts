/** How a writer names itself in claim rows, leases and messages: host, pid and what it is. */
import { hostname } from 'node:os';

export function writerName(role: string): string {
  return `${role}@${hostname()}/${process.pid}`;
}
