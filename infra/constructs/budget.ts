import { Construct } from 'constructs';
import type { ITerraformDependable, TerraformProvider } from 'cdktf';
import { BillingBudget } from '@cdktf/provider-google/lib/billing-budget/index.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Names } from '../naming.js';

export interface BudgetProps {
  readonly config: EnvironmentConfig;
  readonly names: Names;
  readonly projectNumber: string;
  readonly notificationChannel: string;
  /** Provider with user_project_override: the Billing Budgets API needs a quota project. */
  readonly provider: TerraformProvider;
  readonly dependsOn: ITerraformDependable[];
}

/** Monthly budget on this project's spend, alerting at each threshold (actual spend) to the operators. */
export class Budget extends Construct {
  readonly budget: BillingBudget;

  constructor(scope: Construct, id: string, props: BudgetProps) {
    super(scope, id);
    const { config } = props;
    const whole = Math.trunc(config.budget.monthlyUsd);
    const nanos = Math.round((config.budget.monthlyUsd - whole) * 1e9);
    this.budget = new BillingBudget(this, 'monthly', {
      provider: props.provider,
      billingAccount: config.budget.billingAccount,
      displayName: props.names.display('monthly budget'),
      budgetFilter: {
        projects: [`projects/${props.projectNumber}`],
        calendarPeriod: 'MONTH',
        creditTypesTreatment: 'INCLUDE_ALL_CREDITS',
      },
      amount: {
        specifiedAmount: { currencyCode: config.budget.currency, units: String(whole), ...(nanos ? { nanos } : {}) },
      },
      thresholdRules: config.budget.thresholds.map((t) => ({ thresholdPercent: t, spendBasis: 'CURRENT_SPEND' })),
      allUpdatesRule: {
        monitoringNotificationChannels: [props.notificationChannel],
        // Billing admins keep getting the default emails too.
        disableDefaultIamRecipients: false,
      },
      dependsOn: props.dependsOn,
    });
  }
}
