import type { IncidentDesk } from '../alerting/desk.js';
import type { DeviceRegistry } from '../devices/registry.js';
import type { Estimator } from '../estimate/estimate.js';
import type { CommittedModel } from '../models/resolve.js';
import type { ModelSummary } from '../models/registry.js';
import type { Warehouse } from '../warehouse/port.js';
import type { WarehouseReader } from '../warehouse/read-port.js';

export interface ModelCatalog {
  /** Models of the registry with their versions, cards' metrics and champion pointer. */
  registered(): Promise<ModelSummary[]>;
  /** Committed defaults, served while the registry has no champion of their name. */
  committed(): CommittedModel[];
}

/** What the query use-cases need; the API, the copilot and the CLI each build it from their adapters. */
export interface QueryDeps {
  readonly reader: WarehouseReader;
  /** The write port, for the one thing the read side writes: alert acknowledgements. */
  readonly warehouse: Pick<Warehouse, 'insert'>;
  readonly devices: DeviceRegistry;
  readonly models: ModelCatalog;
  /** The champion estimator of a model name (default steel-estimate). */
  readonly estimator: (name: string) => Promise<Estimator>;
  /** Messages in the dead-letter sink; null where it is a Pub/Sub subscription (Cloud Monitoring counts it). */
  readonly deadLetters: () => Promise<number | null>;
  /** Incidents: what operators are paged about, and the way to acknowledge or resolve them. */
  readonly incidents: IncidentDesk;
  readonly now: () => number;
}
