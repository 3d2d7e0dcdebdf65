// The command the Docker image runs, read from the Dockerfile's CMD, so that whatever runs the
// service "as the image does" (the image-layout test, the benchmarks) runs exactly that.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DOCKERFILE = join(import.meta.dirname, '..', '..', 'Dockerfile');

/** The Dockerfile's exec-form CMD, e.g. ['node', '--max-semi-space-size=8', 'dist/main.js', 'run']. */
export function imageCommand(dockerfile: string = readFileSync(DOCKERFILE, 'utf8')): string[] {
  const line = dockerfile.split('\n').findLast((l) => l.startsWith('CMD '));
  if (line === undefined) throw new Error('the Dockerfile has no CMD');
  const command: unknown = JSON.parse(line.slice('CMD '.length));
  if (!Array.isArray(command) || !command.every((part) => typeof part === 'string'))
    throw new Error(`the Dockerfile's CMD is not in exec form: ${line}`);
  return command;
}

/** The flags the image gives `node` before the script. */
export function imageNodeFlags(): string[] {
  const [node, ...rest] = imageCommand();
  if (node !== 'node') throw new Error(`the image's CMD does not start with node: ${node}`);
  return rest.slice(0, rest.indexOf('dist/main.js'));
}
