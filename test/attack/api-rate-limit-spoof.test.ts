import { describe, expect, it } from 'vitest';
import { startApiServer } from '../support/api-server.js';

// Its own file: the function builds its app once per process, from the runtime provided first.
describe('api rate limit against a spoofed X-Forwarded-For', () => {
  it('keys a client on the hop its proxy appended, not on the hops the client wrote itself', async () => {
    const limited = await startApiServer(async () => {}, {
      env: { KILOWATCH_API_RATE_PER_S: '0.5', KILOWATCH_API_BURST: '3' },
    });
    try {
      // Cloud Run's front end appends the address it saw to whatever X-Forwarded-For the client sent.
      const statuses = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${limited.url}/healthz`, {
          headers: { 'x-forwarded-for': `10.0.0.${i}, 203.0.113.7` },
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
      // Another client behind the same front end has its own bucket.
      const other = await fetch(`${limited.url}/healthz`, { headers: { 'x-forwarded-for': '198.51.100.9' } });
      expect(other.status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});
