import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The trainers' entry point (training/train.py), next to the code. */
export const TRAINER = fileURLToPath(new URL('../../training/train.py', import.meta.url));
const REQUIRED = 'import torch, numpy, onnx';
/** Debian's PyTorch lives under /usr/bin/python3; a pyenv or venv `python3` on PATH may lack it. */
const CANDIDATES = ['/usr/bin/python3', 'python3'];

export class PythonNotFoundError extends Error {
  override readonly name = 'PythonNotFoundError';
}

function probe(python: string): string | undefined {
  const r = spawnSync(python, ['-c', REQUIRED], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message;
  // An interpreter that fails silently (empty stderr) is named by its exit status, never taken as working.
  if (r.status !== 0) return r.stderr.trim().split('\n').pop()?.trim() || `exit ${r.status}`;
  return undefined;
}

let found: string | undefined;

/**
 * The Python interpreter for the trainers: KILOWATCH_PYTHON when set, else the first of /usr/bin/python3 and
 * python3 that can import torch, numpy and onnx.
 */
export function findPython(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.KILOWATCH_PYTHON;
  if (explicit) {
    const problem = probe(explicit);
    if (problem) {
      throw new PythonNotFoundError(
        `KILOWATCH_PYTHON=${explicit} cannot run the trainers (${REQUIRED}: ${problem}); point it at a Python with PyTorch, NumPy and ONNX (training/README.md)`,
      );
    }
    return explicit;
  }
  if (found) return found;
  const tried: string[] = [];
  for (const candidate of CANDIDATES) {
    const problem = probe(candidate);
    if (!problem) return (found = candidate);
    tried.push(`${candidate}: ${problem}`);
  }
  throw new PythonNotFoundError(
    `no Python with PyTorch, NumPy and ONNX for the trainers (tried ${tried.join('; ')}). Install Debian's ` +
      'python3-torch python3-numpy python3-onnx, or create a venv from training/requirements.txt and set KILOWATCH_PYTHON to its python (training/README.md)',
  );
}

/** Runs training/train.py with arguments; its progress goes to stderr; resolves to the exit code. */
export function runTrainer(
  args: readonly string[],
  options: { python?: string; quiet?: boolean } = {},
): Promise<{ code: number; stderr: string }> {
  const python = options.python ?? findPython();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, [TRAINER, ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!options.quiet) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stderr }));
  });
}
