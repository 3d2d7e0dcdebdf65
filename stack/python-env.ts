// The stack's Python environment: a virtualenv on CPython >= 3.12 (the `databend` wheel needs it)
// with the exact versions in requirements.txt and constraints.txt.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const stackDir = import.meta.dirname;
export const venvDir = join(stackDir, '.venv');
export const venvPython = join(venvDir, 'bin', 'python');

function pythonVersion(python: string): [number, number] | undefined {
  try {
    const out = execFileSync(
      python,
      ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const [major, minor] = out.trim().split(' ').map(Number);
    return major === undefined || minor === undefined ? undefined : [major, minor];
  } catch {
    return undefined;
  }
}

function isAtLeast312(python: string): boolean {
  const version = pythonVersion(python);
  return version !== undefined && (version[0] > 3 || (version[0] === 3 && version[1] >= 12));
}

/** STACK_PYTHON, then python3.13/python3.12/python3 on PATH, then pyenv's 3.12+ versions. */
export function findPython(explicit: string | undefined): string {
  if (explicit !== undefined) {
    if (!isAtLeast312(explicit)) throw new Error(`STACK_PYTHON=${explicit} is not CPython >= 3.12`);
    return explicit;
  }
  const pyenvVersions = join(homedir(), '.pyenv', 'versions');
  const fromPyenv = existsSync(pyenvVersions)
    ? readdirSync(pyenvVersions)
        .filter((v) => /^3\.(1[2-9]|[2-9]\d)\./.test(v))
        .sort()
        .reverse()
        .map((v) => join(pyenvVersions, v, 'bin', 'python'))
    : [];
  const candidates = ['python3.13', 'python3.12', 'python3', ...fromPyenv];
  const found = candidates.find(isAtLeast312);
  if (found === undefined) {
    throw new Error(`no CPython >= 3.12 found (tried ${candidates.join(', ')}); set STACK_PYTHON`);
  }
  return found;
}

export function ensurePythonEnv(
  explicitPython: string | undefined,
  log: (line: string) => void,
): void {
  if (existsSync(venvPython) && isAtLeast312(venvPython) && requirementsSatisfied()) return;
  const python = findPython(explicitPython);
  log(`creating ${venvDir} with ${python}`);
  execFileSync(python, ['-m', 'venv', venvDir], { stdio: 'inherit' });
  execFileSync(
    venvPython,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '-r',
      join(stackDir, 'requirements.txt'),
      '-c',
      join(stackDir, 'constraints.txt'),
    ],
    { stdio: 'inherit' },
  );
}

function requirementsSatisfied(): boolean {
  try {
    execFileSync(venvPython, ['-c', 'import databend, moto, pyarrow'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
