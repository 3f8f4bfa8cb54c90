/**
 * The load generator of the api benchmark, run in a process of its own (`loadInChild`): autocannon in the
 * server's process would take event-loop turns from the server it measures. The child gets its job as JSON on
 * argv and answers with the sorted response times over IPC.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface LoadJob {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Request paths, taken in turn. */
  readonly paths: readonly string[];
}

export interface LoadTimes {
  /** Every response time in ms, ascending. */
  readonly times: number[];
  readonly errors: number;
  readonly non2xx: number;
}

async function runLoad(job: LoadJob): Promise<LoadTimes> {
  let i = 0;
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.seconds,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: job.paths[i++ % job.paths.length] }) }],
      },
      (error: unknown, done) =>
        error
          ? reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`))
          : resolve(done),
    );
    // autocannon reports p97.5 and p99, not p95: every response time is kept.
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  });
  return { times: times.sort((a, b) => a - b), errors: result.errors, non2xx: result.non2xx };
}

const SELF = fileURLToPath(import.meta.url);

/** Runs the job in a child process (the parent's tsx loader is inherited through execArgv). */
export function loadInChild(job: LoadJob): Promise<LoadTimes> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: LoadTimes | undefined;
    child.once('message', (m) => (answer = m as LoadTimes));
    child.once('error', reject);
    child.once('exit', (code) =>
      answer ? resolve(answer) : reject(new Error(`the load process exited with ${code} and no figures`)),
    );
  });
}

if (process.argv[1] === SELF) {
  const times = await runLoad(JSON.parse(process.argv[2] as string) as LoadJob);
  process.send?.(times, () => process.exit(0));
}
