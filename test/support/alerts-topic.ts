import type { TestStack } from './local-stack.js';

/** An anomaly as the score function publishes it on the alerts topic, at time `tsMs`. */
export function anomalyMessage(deviceId: string, metric: string, tsMs: number, id = `${deviceId}-${metric}-${tsMs}`) {
  return {
    alertId: id,
    deviceId,
    ts: new Date(tsMs).toISOString(),
    metric,
    kind: 'anomaly',
    severity: 'warning',
    message: `${deviceId} ${metric} is anomalous`,
    score: 0.8,
    createdAt: new Date(tsMs).toISOString(),
  };
}

/** Publishes bodies on the stack's alerts topic and waits until every delivery is made (the notify function applied them). */
export async function publishAlerts(stack: TestStack, ...bodies: object[]): Promise<void> {
  stack.router.publish(
    'alerts',
    bodies.map((b) => ({ data: Buffer.from(JSON.stringify(b)) })),
  );
  await stack.router.idle();
}
