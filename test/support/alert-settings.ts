import type { AlertSettings } from '../../shared/alerting/settings.js';

const MIN = 60_000;

/** The alert lifecycle's defaults as the unit tests use them (minutes, as KILOWATCH_ALERT_* would set them). */
export const TEST_ALERT_SETTINGS: AlertSettings = {
  resolveAfterMs: 30 * MIN,
  cooldownMs: 30 * MIN,
  stormDevices: 3,
  stormWindowMs: 10 * MIN,
  groupWaitMs: 2 * MIN,
  checkpointMs: 5 * MIN,
  silentAfterMs: 15 * MIN,
  silentLookbackMs: 7 * 1440 * MIN,
};
