import { readFileSync } from 'node:fs';
import type { Config } from '../config/env.js';

export const CHANNEL_FORMATS = ['json', 'chat'] as const;
export type ChannelFormat = (typeof CHANNEL_FORMATS)[number];

export type ChannelTarget =
  { readonly kind: 'http'; readonly url: string } | { readonly kind: 'file'; readonly path: string };

/** Where notifications go and in which body. */
export interface Channel {
  /** Stable name recorded with each notification; the URL's host only, never its (secret) path. */
  readonly name: string;
  readonly format: ChannelFormat;
  readonly target: ChannelTarget;
}

const EXPECTED = '<format>=<target>, format json or chat, target an http(s) URL or file:<path>';

/** Channels from a comma- or newline-separated list of `<format>=<target>`; a bad entry is named with what would be accepted. */
export function parseChannels(spec: string, source = 'KILOWATCH_WEBHOOKS'): Channel[] {
  const entries = spec
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== '' && !e.startsWith('#'));
  const channels = entries.map((entry, i) => {
    const eq = entry.indexOf('=');
    const format = entry.slice(0, Math.max(0, eq));
    const target = entry.slice(eq + 1).trim();
    if (eq < 0 || !(CHANNEL_FORMATS as readonly string[]).includes(format)) {
      throw new Error(`${source}: entry ${i + 1} has no known format (expected ${EXPECTED})`);
    }
    if (target.startsWith('file:') && target.length > 'file:'.length) {
      const path = target.slice('file:'.length);
      return {
        name: `${format}:file:${path}`,
        format: format as ChannelFormat,
        target: { kind: 'file' as const, path },
      };
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new Error(`${source}: entry ${i + 1} (${format}) has no valid target (expected ${EXPECTED})`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`${source}: entry ${i + 1} (${format}) uses ${url.protocol} (expected ${EXPECTED})`);
    }
    return {
      name: `${format}:${url.host}`,
      format: format as ChannelFormat,
      target: { kind: 'http' as const, url: url.href },
    };
  });
  // Two channels to one host in one format still need names of their own.
  return channels.map((c, i) =>
    channels.findIndex((o) => o.name === c.name) === i ? c : { ...c, name: `${c.name}#${i + 1}` },
  );
}

/** KILOWATCH_WEBHOOKS, then the channels of KILOWATCH_WEBHOOKS_FILE (the cloud mounts the Secret Manager secret into the variable). */
export function configuredChannels(config: Config): Channel[] {
  const fromFile = config.KILOWATCH_WEBHOOKS_FILE
    ? parseChannels(readFileSync(config.KILOWATCH_WEBHOOKS_FILE, 'utf8'), config.KILOWATCH_WEBHOOKS_FILE)
    : [];
  return [...parseChannels(config.KILOWATCH_WEBHOOKS), ...fromFile];
}
