import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { TOPICS, type TopicRole } from '../../shared/config/env.js';
import type { Names } from '../naming.js';

export interface DeadLetter {
  readonly topic: PubsubTopic;
  readonly keep: PubsubSubscription;
  /** Literal names, for alert filters and docs (resource attributes are Terraform references). */
  readonly topicName: string;
  readonly keepName: string;
}

export interface PubSubProps {
  readonly project: string;
  readonly names: Names;
  /** serviceAccount:service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com */
  readonly pubsubServiceAgent: string;
  readonly deadLetterRetention: string;
  /** Sites of the device registry: each gets its own readings topic. */
  readonly sites: readonly string[];
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The topics of TOPICS, and dead-letter topics on demand. Every dead-letter topic gets a subscription that
 * keeps its messages (a topic without one drops them) and lets the Pub/Sub service agent publish to it.
 */
export class PubSub extends Construct {
  readonly topics: Record<TopicRole, PubsubTopic>;
  /** Per site, the topic only its devices may publish to. */
  readonly siteTopics = new Map<string, PubsubTopic>();
  private readonly deadLetters = new Map<string, DeadLetter>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PubSubProps,
  ) {
    super(scope, id);
    const roles = Object.keys(TOPICS) as TopicRole[];
    this.topics = Object.fromEntries(
      roles.map((role) => [
        role,
        new PubsubTopic(this, `topic-${role}`, {
          project: props.project,
          name: props.names.topic(role),
          dependsOn: props.dependsOn,
        }),
      ]),
    ) as Record<TopicRole, PubsubTopic>;
    for (const site of props.sites) {
      this.siteTopics.set(
        site,
        new PubsubTopic(this, `topic-site-${site}`, {
          project: props.project,
          name: props.names.siteTopic(site),
          dependsOn: props.dependsOn,
        }),
      );
    }
    this.deadLetterFor('readings');
  }

  /** The dead-letter topic of the delivery path that starts at `source`, created once. */
  deadLetterFor(source: TopicRole): DeadLetter {
    const name = this.props.names.deadLetterTopic(source);
    const existing = this.deadLetters.get(name);
    if (existing) return existing;
    const topic =
      name === this.props.names.topic('deadLetter')
        ? this.topics.deadLetter
        : new PubsubTopic(this, `dead-letter-${source}`, {
            project: this.props.project,
            name,
            dependsOn: this.props.dependsOn,
          });
    const keepName = this.props.names.deadLetterKeep(name);
    const keep = new PubsubSubscription(this, `keep-${name}`, {
      project: this.props.project,
      name: keepName,
      topic: topic.id,
      messageRetentionDuration: this.props.deadLetterRetention,
      // Acknowledging a dead letter while inspecting it must not lose it before the retention ends.
      retainAckedMessages: true,
      ackDeadlineSeconds: 60,
      // The default expiry deletes a subscription after 31 idle days: a healthy system is idle here.
      expirationPolicy: { ttl: '' },
    });
    new PubsubTopicIamMember(this, `agent-publishes-${name}`, {
      project: this.props.project,
      topic: topic.name,
      role: 'roles/pubsub.publisher',
      member: this.props.pubsubServiceAgent,
    });
    const dl = { topic, keep, topicName: name, keepName };
    this.deadLetters.set(name, dl);
    return dl;
  }

  get allDeadLetters(): DeadLetter[] {
    return [...this.deadLetters.values()];
  }
}
