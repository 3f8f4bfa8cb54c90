import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { TopicRole } from '../../shared/config/env.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Names } from '../naming.js';

interface SchedulerProps {
  config: EnvironmentConfig;
  names: Names;
  topics: Record<TopicRole, PubsubTopic>;
  dependsOn: ITerraformDependable[];
}

/** Cloud Scheduler jobs: each publishes a tick to a topic; the push subscription of a function does the rest. */
export class Scheduler extends Construct {
  readonly forecastTick: CloudSchedulerJob;
  readonly alertsSweep: CloudSchedulerJob;
  readonly maintenanceTick: CloudSchedulerJob;
  readonly rollupTick: CloudSchedulerJob;
  readonly archiveTick: CloudSchedulerJob;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: SchedulerProps,
  ) {
    super(scope, id);
    const { config } = props;
    this.forecastTick = this.job('forecast-tick', 'Asks the forecast function to refresh forecasts.', {
      schedule: config.forecastSchedule,
      topic: 'forecastTick',
      body: { kind: 'forecast-tick', env: config.env },
      kind: 'forecast-tick',
    });
    // The notify function's sweep: auto-resolution of incidents and retries of owed notifications.
    this.alertsSweep = this.job(
      'alerts-sweep',
      'Asks the notify function to resolve incidents back to normal and retry owed notifications.',
      { schedule: config.alertsSweepSchedule, topic: 'alerts', body: { command: 'sweep' }, kind: 'sweep' },
    );
    this.maintenanceTick = this.job(
      'maintenance-tick',
      'Asks the recommend function for the daily maintenance recommendations.',
      {
        schedule: config.maintenanceSchedule,
        topic: 'maintenanceTick',
        body: { kind: 'maintenance-tick' },
        kind: 'maintenance-tick',
      },
    );
    this.rollupTick = this.job(
      'rollup-tick',
      'Asks the rollup function to roll up the buckets closed since the last run (and the late window).',
      { schedule: config.rollupSchedule, topic: 'rollupTick', body: { kind: 'rollup-tick' }, kind: 'rollup-tick' },
    );
    this.archiveTick = this.job(
      'archive-tick',
      'Asks the archive function to export the closed months of readings not exported yet.',
      { schedule: config.archiveSchedule, topic: 'archiveTick', body: { kind: 'archive-tick' }, kind: 'archive-tick' },
    );
  }

  private job(
    name: string,
    description: string,
    tick: { schedule: string; topic: TopicRole; body: Record<string, string>; kind: string },
  ): CloudSchedulerJob {
    const { config, names } = this.props;
    return new CloudSchedulerJob(this, name, {
      project: config.project,
      region: config.region,
      name: names.schedulerJob(name),
      description,
      schedule: tick.schedule,
      timeZone: 'Etc/UTC',
      pubsubTarget: {
        topicName: this.props.topics[tick.topic].id,
        // Pub/Sub push needs a non-empty body for the functions framework to accept the event.
        data: Buffer.from(JSON.stringify(tick.body)).toString('base64'),
        attributes: { kind: tick.kind },
      },
      retryConfig: { retryCount: 3 },
      dependsOn: this.props.dependsOn,
    });
  }
}
