import { describe, expect, it } from 'vitest';
import { startApiServer } from '../support/api-server.js';

// Its own file: the function builds its app once per process, from the runtime provided first.
describe('api rate limit behind IAP', () => {
  it('keys each signed-in caller on its own, though the load balancer is the last forwarded hop of all', async () => {
    const limited = await startApiServer(async () => {}, {
      env: { KILOWATCH_API_RATE_PER_S: '0.5', KILOWATCH_API_BURST: '2', KILOWATCH_API_TRUST_IAP: 'true' },
    });
    try {
      const get = async (user: string) => {
        const res = await fetch(`${limited.url}/healthz`, {
          headers: {
            'x-forwarded-for': '203.0.113.7, 35.191.0.1',
            'x-goog-authenticated-user-email': `accounts.google.com:${user}`,
          },
        });
        await res.arrayBuffer();
        return res.status;
      };
      expect([await get('a@example.com'), await get('a@example.com'), await get('a@example.com')]).toEqual([
        200, 200, 429,
      ]);
      expect(await get('b@example.com')).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});
