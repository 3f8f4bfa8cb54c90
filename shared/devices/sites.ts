import { siteTopicName, topicName, type Config } from '../config/env.js';
import type { DeviceRegistry } from './registry.js';

/**
 * The site a delivery is bound to. `site` is undefined for a topic of no registered site: nothing from it
 * is accepted. No binding (the shared readings topic, which only operators may publish to) accepts any
 * registered device.
 */
export interface SiteBinding {
  readonly topic: string;
  readonly site: string | undefined;
}

/** `//pubsub.googleapis.com/projects/<project>/topics/<topic>`, as Pub/Sub push and the local router name it. */
const SOURCE = /^\/\/pubsub\.googleapis\.com\/projects\/[^/]+\/topics\/([^/]+)$/;

/**
 * Binds data to the identity that published it: each site has its own topic, its devices may publish
 * only there (IAM), and the topic reaches ingest in the CloudEvent source, which the push endpoint path set
 * by infra (or the local router) fixes and no device can change.
 */
export class SiteTopics {
  private readonly siteOf = new Map<string, string>();
  private readonly shared: string;

  constructor(config: Pick<Config, 'KILOWATCH_BACKEND' | 'KILOWATCH_ENV'>, registry: DeviceRegistry) {
    for (const site of registry.sites()) this.siteOf.set(siteTopicName(config, site), site);
    this.shared = topicName(config, 'readings');
  }

  /** The binding of a delivery from its CloudEvent source; undefined when it came unbound. */
  bindingOf(source: string | undefined): SiteBinding | undefined {
    const topic = source === undefined ? undefined : SOURCE.exec(source)?.[1];
    if (topic === undefined || topic === this.shared) return undefined;
    return { topic, site: this.siteOf.get(topic) };
  }
}
