import type { Config } from '../config/env.js';

/** The alert lifecycle's knobs (KILOWATCH_ALERT_*), in milliseconds of data time. */
export interface AlertSettings {
  /** Normal stretch after the last anomaly that resolves an incident. */
  readonly resolveAfterMs: number;
  /** After a resolution, anomalies of the same key raise nothing for this long. */
  readonly cooldownMs: number;
  /** Devices of one site opening incidents within stormWindowMs that make one site-wide incident. */
  readonly stormDevices: number;
  readonly stormWindowMs: number;
  /** A device incident's notifications wait this long for a storm of its site to form (group wait). */
  readonly groupWaitMs: number;
  /**
   * An open incident's progress (last anomaly, count) is written at most this often (data time), so that a
   * cold instance resumes it close to where it was without a row per anomaly.
   */
  readonly checkpointMs: number;
  /** A device whose newest reading is older than this (wall time) is silent; 0: no silence watch. */
  readonly silentAfterMs: number;
  /** Devices without a reading for this long are no longer watched for silence. */
  readonly silentLookbackMs: number;
}

const MINUTE = 60_000;

export function alertSettings(config: Config): AlertSettings {
  return {
    resolveAfterMs: config.KILOWATCH_ALERT_RESOLVE_AFTER_MIN * MINUTE,
    cooldownMs: config.KILOWATCH_ALERT_COOLDOWN_MIN * MINUTE,
    stormDevices: config.KILOWATCH_ALERT_STORM_DEVICES,
    stormWindowMs: config.KILOWATCH_ALERT_STORM_WINDOW_MIN * MINUTE,
    groupWaitMs: config.KILOWATCH_ALERT_GROUP_WAIT_MIN * MINUTE,
    checkpointMs: 5 * MINUTE,
    silentAfterMs: config.KILOWATCH_ALERT_SILENT_AFTER_MIN * MINUTE,
    silentLookbackMs: 7 * 1440 * MINUTE,
  };
}
