// Where the benchmarks live in the repository.
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
export const BUILD_DIR = join(REPO_ROOT, 'bench', '.build');
