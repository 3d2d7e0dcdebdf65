import { existsSync, readFileSync } from 'node:fs';

/**
 * Where the CLI finds endpoints and credentials it was not given as flags: the process
 * environment first, then the local stack's `.stack/env` (KEY=value lines). This is the
 * simulator's only reader of the environment.
 */
export function loadEnvDefaults(
  envFile: string,
  environment: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  if (existsSync(envFile)) {
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const at = line.indexOf('=');
      if (at > 0 && !line.startsWith('#'))
        out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  for (const [key, value] of Object.entries(environment)) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}
