import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The stack's Python (it has pyarrow); overridable for other layouts. */
export const DEFAULT_PYTHON = fileURLToPath(
  new URL('../../stack/.venv/bin/python', import.meta.url),
);
const SCRIPT = fileURLToPath(new URL('../py/dms_parquet_writer.py', import.meta.url));

/** Runs the Python writer once with a JSON request on stdin and parses its JSON answer. */
export function runPython(
  command: 'write' | 'inspect',
  request: unknown,
  python: string,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, command], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (cause) =>
      reject(new Error(`Cannot start ${python} (is the stack's venv installed?)`, { cause })),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-15).join('\n');
        reject(new Error(`dms_parquet_writer.py ${command} exited with ${code}:\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as unknown);
      } catch (cause) {
        reject(new Error('dms_parquet_writer.py printed something other than JSON', { cause }));
      }
    });
    child.stdin.on('error', () => {
      // The close handler reports the failure with the process's stderr.
    });
    child.stdin.end(JSON.stringify(request));
  });
}
