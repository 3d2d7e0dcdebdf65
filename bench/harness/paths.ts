// Where the benchmarks live in the repository.
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
/**
 * The compiled service: under node_modules/.cache, where linters, formatters and git look away
 * and Node still finds the project's dependencies by walking up.
 */
export const BUILD_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'bend-replicator-bench');
