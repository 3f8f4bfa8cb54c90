import { TOPICS, topicName, configSchema, siteTopicName, type TopicRole } from '../shared/config/env.js';
import type { EnvironmentConfig } from './config/schema.js';

/**
 * Every cloud name in one place, so each carries the environment and the runtime (shared/config/env.ts)
 * computes the same topic names the infra creates.
 */
export class Names {
  constructor(private readonly config: EnvironmentConfig) {}

  get env(): string {
    return this.config.env;
  }

  /** `<topic>-<env>`, exactly as topicName() in shared/config/env.ts gives it at runtime. */
  topic(role: TopicRole): string {
    const runtime = configSchema.parse({
      KILOWATCH_BACKEND: 'gcp',
      KILOWATCH_ENV: this.env,
      GOOGLE_CLOUD_PROJECT: this.config.project,
    });
    return topicName(runtime, role);
  }

  /** A site's own readings topic, exactly as siteTopicName() gives it at runtime. */
  siteTopic(site: string): string {
    return siteTopicName({ KILOWATCH_BACKEND: 'gcp', KILOWATCH_ENV: this.env }, site);
  }

  /** Push subscription of a site's topic to a function. */
  sitePushSubscription(fn: string, site: string): string {
    return `${TOPICS.readings}.${site}-to-${fn}-${this.env}`;
  }

  /** Dead-letter topic for a delivery path: readings -> readings-dead-letter (the app's own sink too). */
  deadLetterTopic(source: TopicRole): string {
    if (source === 'readings') return this.topic('deadLetter');
    return `${TOPICS[source]}-dead-letter-${this.env}`;
  }

  /** Pull subscription that keeps a dead-letter topic's messages for inspection and replay. */
  deadLetterKeep(deadLetterTopicName: string): string {
    return `${deadLetterTopicName.slice(0, -(this.env.length + 1))}-keep-${this.env}`;
  }

  pushSubscription(fn: string, source: TopicRole): string {
    return `${TOPICS[source]}-to-${fn}-${this.env}`;
  }

  /** BigQuery dataset ids allow no dashes. */
  get dataset(): string {
    return `kilowatch_${this.env}`.replace(/-/g, '_');
  }

  /** The copilot_* views' dataset; the copilot function is told its name (KILOWATCH_COPILOT_DATASET). */
  get copilotDataset(): string {
    return `kilowatch_copilot_${this.env}`.replace(/-/g, '_');
  }

  function(fn: string): string {
    return `${fn}-${this.env}`;
  }

  /** Service account ids: 6-30 chars, lowercase, digits, dashes. */
  serviceAccount(role: string): string {
    const id = `kw-${role}-${this.env}`;
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(id)) {
      throw new Error(`service account id "${id}" is not 6-30 lowercase chars: shorten the environment or role name`);
    }
    return id;
  }

  /** Bucket names are global: carry project and environment. */
  bucket(purpose: string): string {
    const name = `${this.config.project}-kw-${this.env}-${purpose}`;
    if (name.length > 63) throw new Error(`bucket name "${name}" exceeds 63 characters: shorten project or env`);
    return name;
  }

  secret(purpose: string): string {
    return `kilowatch-${purpose}-${this.env}`;
  }

  schedulerJob(purpose: string): string {
    return `kilowatch-${purpose}-${this.env}`;
  }

  /** Workload identity pool ids: 4-32 chars, and a deleted id stays reserved for 30 days. */
  workloadIdentityPool(): string {
    return `kw-devices-${this.env}`;
  }

  /** Human-facing names (alert policies, channels, budgets). */
  display(what: string): string {
    return `kilowatch ${this.env}: ${what}`;
  }
}
