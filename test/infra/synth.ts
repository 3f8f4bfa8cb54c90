import { App, Testing } from 'cdktf';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '../../infra/config/load.js';
import { CATALOG_NAMES, type CatalogName } from '../../infra/config/functions.js';
import { deployableFunctions } from '../../infra/function-folders.js';
import { KilowatchStack } from '../../infra/stack.js';

export type Body = Record<string, unknown> & { [k: string]: any };

/** A synthesized stack, parsed, with small lookups over its resources. */
export class Synth {
  constructor(
    readonly env: string,
    readonly json: {
      resource: Record<string, Record<string, Body>>;
      data: Record<string, Record<string, Body>>;
      [k: string]: any;
    },
  ) {}

  all(type: string): Array<{ id: string; body: Body }> {
    return Object.entries(this.json.resource[type] ?? {}).map(([id, body]) => ({ id, body }));
  }

  bodies(type: string): Body[] {
    return this.all(type).map((r) => r.body);
  }

  /** `${google_x.id.attr}` -> the resource body it references. */
  ref(expr: string): { type: string; id: string; body: Body } {
    const m = /^\$\{(google_[a-z0-9_]+)\.([^.}]+)\./.exec(expr);
    if (!m) throw new Error(`not a resource reference: ${expr}`);
    const body = this.json.resource[m[1]!]?.[m[2]!];
    if (!body) throw new Error(`dangling reference: ${expr}`);
    return { type: m[1]!, id: m[2]!, body };
  }

  /** account_id of the service account a member string ("serviceAccount:${...email}") points to. */
  accountOf(member: string): string | undefined {
    const m = /^serviceAccount:(\$\{google_service_account\.[^}]+\})$/.exec(member);
    return m ? (this.ref(m[1]!).body.account_id as string) : undefined;
  }

  /** Every IAM member resource as {type, role, account or raw member, target}. */
  bindings(): Array<{ type: string; role: string; member: string; account?: string; body: Body }> {
    return Object.entries(this.json.resource)
      .filter(([type]) => type.endsWith('_iam_member'))
      .flatMap(([type, rs]) =>
        Object.values(rs).map((body) => {
          const member = body.member as string;
          const account = this.accountOf(member);
          return { type, role: body.role as string, member, ...(account ? { account } : {}), body };
        }),
      );
  }
}

export interface SynthOptions {
  readonly vars?: Record<string, string>;
  /** 'folders': what main.ts deploys; 'catalog': every function kilowatch knows. */
  readonly functions?: 'folders' | 'catalog' | readonly CatalogName[];
}

export function synthEnv(env: string, options: SynthOptions = {}): Synth {
  const config = loadEnvironment(env, options.vars ?? {});
  const functions =
    options.functions === 'catalog'
      ? CATALOG_NAMES
      : options.functions === 'folders' || options.functions === undefined
        ? deployableFunctions()
        : options.functions;
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'kw-infra-')), stackTraces: false });
  const stack = new KilowatchStack(app, { config, functions, sources: 'placeholder' });
  return new Synth(env, JSON.parse(Testing.synth(stack)));
}
