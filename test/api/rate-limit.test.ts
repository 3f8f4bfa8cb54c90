/* eslint-disable @typescript-eslint/no-unsafe-member-access -- responses are JSON checked field by field against expectations; typing each would restate the API's schemas */
import { describe, expect, it } from 'vitest';
import { startApiServer } from '../support/api-server.js';

// Its own file: the function builds its app once per process, from the runtime provided first.
describe('api rate limit', () => {
  it('answers 429 with Retry-After once a client spends its burst', async () => {
    const limited = await startApiServer(async () => {}, {
      env: { KILOWATCH_API_RATE_PER_S: '0.5', KILOWATCH_API_BURST: '3' },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.get('/healthz')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const res = await limited.get('/healthz');
      expect(res.status).toBe(429);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.detail).toContain('more than 0.5 requests a second');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.stop();
    }
  });
});
