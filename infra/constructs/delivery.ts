import { Construct } from 'constructs';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import { ORDERED_TOPICS, type TopicRole } from '../../shared/config/env.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Names } from '../naming.js';
import type { PubSub } from './pubsub.js';
import type { KilowatchFunction } from './functions.js';

export interface DeliveryProps {
  readonly config: EnvironmentConfig;
  readonly names: Names;
  readonly pubsub: PubSub;
  readonly source: TopicRole;
  readonly functionName: string;
  readonly target: KilowatchFunction;
  readonly timeoutSeconds: number;
  readonly pubsubServiceAgent: string;
  /** Site topics that push to the function as well (readings → ingest): one subscription each. */
  readonly siteTopics?: ReadonlyMap<string, PubsubTopic>;
}

/**
 * topic -> function: an authenticated push subscription with exponential backoff and a bounded number of
 * attempts, after which Pub/Sub moves the message to the path's dead-letter topic (kept for 7 days).
 * Eventarc triggers cannot express a dead-letter policy, hence this explicit form.
 */
export class Delivery extends Construct {
  readonly subscription: PubsubSubscription;
  readonly siteSubscriptions = new Map<string, PubsubSubscription>();
  readonly invoker: ServiceAccount;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DeliveryProps,
  ) {
    super(scope, id);
    const { config, names, pubsub, source, functionName, target } = props;
    const project = config.project;

    // Pub/Sub signs each push with this identity's OIDC token; it may invoke this one function, nothing else.
    this.invoker = new ServiceAccount(this, 'invoker', {
      project,
      accountId: names.serviceAccount(`push-${functionName}`),
      displayName: `kilowatch ${names.env}: Pub/Sub push to ${functionName}`,
    });
    new CloudRunV2ServiceIamMember(this, 'invoker-runs-function', {
      project,
      location: config.region,
      name: target.fn.name,
      role: 'roles/run.invoker',
      member: `serviceAccount:${this.invoker.email}`,
    });
    // Projects created before April 2021 need this explicitly for the service agent to mint push tokens.
    new ServiceAccountIamMember(this, 'agent-signs-as-invoker', {
      serviceAccountId: this.invoker.name,
      role: 'roles/iam.serviceAccountTokenCreator',
      member: props.pubsubServiceAgent,
    });

    this.subscription = this.subscribe(
      'push',
      pubsub.topics[source],
      names.topic(source),
      names.pushSubscription(functionName, source),
    );
    for (const [site, topic] of props.siteTopics ?? []) {
      this.siteSubscriptions.set(
        site,
        this.subscribe(
          `push-site-${site}`,
          topic,
          names.siteTopic(site),
          names.sitePushSubscription(functionName, site),
        ),
      );
    }
  }

  private subscribe(id: string, topic: PubsubTopic, topicName: string, name: string): PubsubSubscription {
    const { config, pubsub, source, target } = this.props;
    const project = config.project;
    const deadLetter = pubsub.deadLetterFor(source);
    const subscription = new PubsubSubscription(this, id, {
      project,
      name,
      topic: topic.id,
      // For push, the deadline is how long the function may take to answer; Pub/Sub caps it at 600 s.
      ackDeadlineSeconds: Math.min(Math.max(this.props.timeoutSeconds, 10), 600),
      pushConfig: {
        // The functions framework reads the topic from this path into the CloudEvent source: ingest binds a
        // site topic's messages to that site, and no device can change the path.
        pushEndpoint: `${target.uri}/projects/${project}/topics/${topicName}`,
        oidcToken: { serviceAccountEmail: this.invoker.email, audience: target.uri },
      },
      retryPolicy: { minimumBackoff: config.delivery.minBackoff, maximumBackoff: config.delivery.maxBackoff },
      deadLetterPolicy: {
        deadLetterTopic: deadLetter.topic.id,
        maxDeliveryAttempts: config.delivery.maxDeliveryAttempts,
      },
      enableMessageOrdering: ORDERED_TOPICS.includes(source),
      expirationPolicy: { ttl: '' },
    });
    // Dead-lettering requires the service agent to be able to acknowledge (subscriber) on the source.
    new PubsubSubscriptionIamMember(this, `${id === 'push' ? 'agent' : `${id}-agent`}-subscribes`, {
      project,
      subscription: subscription.name,
      role: 'roles/pubsub.subscriber',
      member: this.props.pubsubServiceAgent,
    });
    return subscription;
  }
}
