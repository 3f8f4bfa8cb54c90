import { Agent, request } from 'node:http';

/**
 * POSTs push deliveries over kept-alive connections. node:http rather than fetch: a push is a small request
 * whose answer counts only by its status, and fetch's streams, signals and header objects cost more CPU
 * per request than the rest of the delivery (docs/BENCHMARKS.md, small messages).
 */
export class PushClient {
  private readonly agent = new Agent({ keepAlive: true });

  /** Resolves with the HTTP status once the answer is read; rejects when no answer came (refused, reset). */
  async post(url: string, headers: Record<string, string>, body: string): Promise<number> {
    try {
      return await this.send(url, headers, body);
    } catch (error) {
      // A kept-alive socket the server closed as it was reused: the request never reached it, send it once more.
      if ((error as { reused?: boolean }).reused) return this.send(url, headers, body);
      throw error;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private send(url: string, headers: Record<string, string>, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.on('error', reject);
          // The answer's body is read and dropped so that the connection goes back to the pool.
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.resume();
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(req.reusedSocket && error.code === 'ECONNRESET' ? Object.assign(error, { reused: true }) : error);
      });
      req.end(body);
    });
  }
}
