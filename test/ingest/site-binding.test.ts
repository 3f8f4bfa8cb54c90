import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, siteTopicName } from '../../shared/config/env.js';
import { DeviceRegistry } from '../../shared/devices/registry.js';
import { SiteTopics } from '../../shared/devices/sites.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

const reading = (deviceId: string, kw: number) => ({ deviceId, ts: '2024-06-01T12:00:00Z', metrics: { power_kw: kw } });

/** Publishes to a topic through the router, as a device holding that topic's publisher identity would. */
async function publishTo(topic: string, body: unknown) {
  const [messageId] = stack.router.publish(topic, [{ data: Buffer.from(JSON.stringify(body)) }]);
  await stack.router.idle();
  const rejected = await stack.sql(`SELECT reason, detail FROM rejected WHERE message_id = $m`, { m: messageId! });
  const stored = await stack.sql(`SELECT device_id, value FROM readings WHERE message_id = $m`, { m: messageId! });
  return { rejected, stored };
}

describe('a site topic accepts only its own devices', () => {
  it('stores a sim-plant machine published through the sim-plant topic', async () => {
    const { stored, rejected } = await publishTo('readings.sim-plant', reading('sim-plant/machine-site-a', 120));
    expect(rejected).toEqual([]);
    expect(stored).toEqual([{ device_id: 'sim-plant/machine-site-a', value: 120 }]);
  });

  it('rejects a reading of another site as forbidden_device, and the real one is then stored', async () => {
    // A compromised steel-plant publisher pre-empts a machine of sim-plant an hour ahead.
    const forged = { ...reading('sim-plant/machine-site-b', 1999), ts: '2024-06-01T13:00:00Z' };
    const spoof = await publishTo('readings.steel-plant', forged);
    expect(spoof.stored).toEqual([]);
    expect(spoof.rejected).toHaveLength(1);
    expect(spoof.rejected[0]!.reason).toBe('forbidden_device');
    expect(spoof.rejected[0]!.detail).toBe(
      "deviceId: 'sim-plant/machine-site-b' is not a device of site steel-plant, whose topic readings.steel-plant this message came through; its devices: steel-plant/main-meter",
    );
    const real = await publishTo('readings.sim-plant', { ...forged, metrics: { power_kw: 120 } });
    expect(real.rejected).toEqual([]);
    expect(real.stored).toEqual([{ device_id: 'sim-plant/machine-site-b', value: 120 }]);
  });

  it("publishes as a site through the Pub/Sub client (what npm start's plants do), bound like a device of that site", async () => {
    const [ok] = await stack.deps.bus.publish({ site: 'sim-plant' }, [
      { data: JSON.stringify(reading('sim-plant/machine-site-d', 7)) },
    ]);
    const [forged] = await stack.deps.bus.publish({ site: 'steel-plant' }, [
      { data: JSON.stringify(reading('sim-plant/machine-site-e', 7)) },
    ]);
    await stack.router.idle();
    expect(await stack.sql(`SELECT value FROM readings WHERE message_id = $m`, { m: ok! })).toEqual([{ value: 7 }]);
    expect(await stack.sql(`SELECT reason FROM rejected WHERE message_id = $m`, { m: forged! })).toEqual([
      { reason: 'forbidden_device' },
    ]);
  });

  it('keeps the shared readings topic, which only operators may publish to, open to every registered device', async () => {
    const { stored } = await publishTo('readings', reading('sim-plant/machine-site-c', 5));
    expect(stored).toHaveLength(1);
  });

  it('binds nothing to a topic of no registered site', () => {
    const registry = DeviceRegistry.fromFile('data/devices.json');
    const cloud = loadConfig({ KILOWATCH_BACKEND: 'gcp', GOOGLE_CLOUD_PROJECT: 'p', KILOWATCH_ENV: 'prod' });
    const sites = new SiteTopics(cloud, registry);
    expect(siteTopicName(cloud, 'steel-plant')).toBe('readings.steel-plant-prod');
    expect(sites.bindingOf('//pubsub.googleapis.com/projects/p/topics/readings.steel-plant-prod')).toEqual({
      topic: 'readings.steel-plant-prod',
      site: 'steel-plant',
    });
    expect(sites.bindingOf('//pubsub.googleapis.com/projects/p/topics/readings.nowhere-prod')).toEqual({
      topic: 'readings.nowhere-prod',
      site: undefined,
    });
    expect(sites.bindingOf('//pubsub.googleapis.com/projects/p/topics/readings-prod')).toBeUndefined();
  });
});
