import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Whether a TCP port on 127.0.0.1 is free now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports a local stack takes from its base: the router, then its functions (host.ts: ports 0–6 after the router's). */
const STACK_PORTS = 8;

/** A base port with the ports after it free too, for the router and every function of one local stack. */
export async function freePorts(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const free = await Promise.all(Array.from({ length: STACK_PORTS }, (_, i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

/**
 * The whole local stack (`functions/local/serve.ts`: router, functions, DuckDB) in a child process, so that
 * it can be killed with SIGKILL at any instant and started again on the same data folder.
 */
export class StackProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Whether the running child has logged that it is up. */
  ready = false;
  starts = 0;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.ready = false;
    this.starts++;
    // The flags of `npm run serve`: the stack under test runs as users run it.
    const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', 'functions/local/serve.ts'], {
      env: {
        ...process.env,
        KILOWATCH_DATA_DIR: this.dataDir,
        KILOWATCH_LOCAL_PORT: String(this.port),
        LOG_LEVEL: 'info',
        // Readiness and errors are read from the structured lines.
        LOG_FORMAT: 'json',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"local stack up"')) this.ready = true;
    });
    // Warnings (push retries while the stack starts) are expected; errors are shown.
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.includes('"ERROR"') || (line && !line.startsWith('{'))) process.stderr.write(`[stack] ${line}\n`);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** SIGKILL: no handler runs, nothing is flushed. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the stack drains and exits; the warehouse file is closed. */
  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
  }

  /** Resident memory of the stack process, in bytes (Linux). */
  rssBytes(): number {
    if (!this.child?.pid) return 0;
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  /** The router's counters, or undefined while the stack does not answer. */
  async routerStatus(): Promise<{ pendingDeliveries: number; deadLettered: number; replayed: number } | undefined> {
    const response = await fetch(`${this.url}/_local/router`, { signal: AbortSignal.timeout(5000) }).catch(
      () => undefined,
    );
    return response?.ok
      ? ((await response.json()) as { pendingDeliveries: number; deadLettered: number; replayed: number })
      : undefined;
  }

  /** Waits until the stack answers and has no delivery left to make. */
  async caughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.routerStatus();
      if (status && status.pendingDeliveries === 0) return;
      if (Date.now() > deadline)
        throw new Error(`the stack did not catch up within ${timeoutMs} ms (${JSON.stringify(status)})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
