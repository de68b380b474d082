import { Construct } from "constructs";
import { MonitoringNotificationChannel } from "@cdktf/provider-google/lib/monitoring-notification-channel";
import { MonitoringAlertPolicy } from "@cdktf/provider-google/lib/monitoring-alert-policy";
import { MonitoringUptimeCheckConfig } from "@cdktf/provider-google/lib/monitoring-uptime-check-config";
import { DataGoogleSecretManagerSecretVersion } from "@cdktf/provider-google/lib/data-google-secret-manager-secret-version";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import { PlatformStack } from "../core/stack";

/**
 * The trading bot's severity levels and response times (seconds). Cloud Monitoring has three
 * severities; `low` and `medium` both map to WARNING and are told apart by the `severity` user
 * label and by who is notified (PagerDuty only pages for `high` and `critical`).
 */
export const SEVERITIES = {
  low: { gcp: "WARNING", responseSeconds: 3600, page: false },
  medium: { gcp: "WARNING", responseSeconds: 1800, page: false },
  high: { gcp: "ERROR", responseSeconds: 300, page: true },
  critical: { gcp: "CRITICAL", responseSeconds: 60, page: true },
} as const;

export type Severity = keyof typeof SEVERITIES;

/** A Secret Manager secret holding a value the channel needs (the library's Secret construct fits). */
export interface ISecretRef {
  /** The secret's resource id (`projects/…/secrets/…`) or name. */
  readonly secretId: string;
}

export interface MonitoringProps {
  /** Addresses that receive every alert. @default [] */
  readonly emails?: readonly string[];
  /**
   * Webhooks that receive every alert, e.g. a relay that posts to Telegram. The URL must not
   * carry a credential (Telegram's `…/bot<token>/…` URLs are refused); put the token in Secret
   * Manager and name it in `authTokenSecret`. @default []
   */
  readonly webhooks?: readonly {
    readonly name: string;
    readonly url: string;
    readonly authTokenSecret?: ISecretRef;
  }[];
  /**
   * PagerDuty for `high` and `critical` alerts; the integration key is read from Secret Manager
   * at deploy time (it reaches Terraform state, marked sensitive, never the JSON). @default none
   */
  readonly pagerDuty?: { readonly integrationKeySecret: ISecretRef };
}

/** A metric threshold alert. */
export interface ThresholdAlert {
  /** Short name, RFC 1035, unique within this construct. */
  readonly name: string;
  /** Human-readable title. */
  readonly title: string;
  /** The alert's severity: who is notified and how fast they must respond. */
  readonly severity: Severity;
  /** Monitoring filter selecting the time series. */
  readonly filter: string;
  /** @default "COMPARISON_GT" */
  readonly comparison?: "COMPARISON_GT" | "COMPARISON_LT";
  /** The value the aligned series is compared with (a ratio such as 0.8 for utilization). */
  readonly threshold: number;
  /** How long the condition must hold, seconds. @default 300 */
  readonly durationSeconds?: number;
  /** @default "ALIGN_MEAN" */
  readonly aligner?: "ALIGN_MEAN" | "ALIGN_MAX" | "ALIGN_RATE" | "ALIGN_SUM";
  /** Alignment period, seconds. @default 60 */
  readonly alignmentSeconds?: number;
  /** Runbook text shown in the notification. */
  readonly runbook: string;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

/**
 * Notification channels, uptime checks and alert policies that follow the severities above:
 * every alert goes to email and webhooks; `high` and `critical` also page through PagerDuty.
 */
export class Monitoring extends Construct {
  /** All notification channels. */
  readonly channels: readonly MonitoringNotificationChannel[];
  private readonly pagingChannels: MonitoringNotificationChannel[] = [];
  private readonly names = new Set<string>();
  private readonly stack: PlatformStack;

  constructor(scope: Construct, id: string, props: MonitoringProps = {}) {
    super(scope, id);
    this.stack = PlatformStack.of(this);
    if (props === null || typeof props !== "object") {
      invalid(this, "props", props, "are not an object", "pass { emails, webhooks, pagerDuty }");
    }
    const channels: MonitoringNotificationChannel[] = [];
    (props.emails ?? []).forEach((email, i) => {
      if (typeof email !== "string" || !EMAIL.test(email)) {
        invalid(
          this,
          `emails[${i}]`,
          email,
          "is not an email address",
          "use an address such as oncall@example.com",
        );
      }
      channels.push(
        new MonitoringNotificationChannel(this, `email-${i}`, {
          displayName: `${this.stack.prefix} email ${email}`,
          type: "email",
          labels: { email_address: email },
        }),
      );
    });
    (props.webhooks ?? []).forEach((hook, i) => {
      const name = checkName(this, `webhooks[${i}].name`, "alert", hook?.name);
      const url = hook.url;
      if (typeof url !== "string" || !/^https:\/\/[^\s/]+(\/\S*)?$/.test(url)) {
        invalid(this, `webhooks[${i}].url`, url, "is not an https URL", "use https://host/path");
      }
      if (
        /\/bot\d+:[A-Za-z0-9_-]+/.test(url) ||
        /[?&](token|key|secret)=/i.test(url) ||
        /\/\/[^/]*:[^/]*@/.test(url)
      ) {
        invalid(
          this,
          `webhooks[${i}].url`,
          "(redacted)",
          "carries a credential in the URL, which would be written into the JSON and the state",
          "point the channel at a relay URL and keep the token in Secret Manager (authTokenSecret)",
        );
      }
      const token = hook.authTokenSecret
        ? this.secretValue(`webhook-${name}-token`, hook.authTokenSecret)
        : undefined;
      channels.push(
        new MonitoringNotificationChannel(this, `webhook-${name}`, {
          displayName: `${this.stack.prefix} webhook ${name}`,
          type: "webhook_tokenauth",
          labels: { url },
          sensitiveLabels: token ? { authToken: token } : undefined,
        }),
      );
    });
    if (props.pagerDuty) {
      const key = this.secretValue("pagerduty-key", props.pagerDuty.integrationKeySecret);
      const pd = new MonitoringNotificationChannel(this, "pagerduty", {
        displayName: `${this.stack.prefix} PagerDuty`,
        type: "pagerduty",
        sensitiveLabels: { serviceKey: key },
      });
      channels.push(pd);
      this.pagingChannels.push(pd);
    }
    if (channels.length === 0) {
      invalid(
        this,
        "props",
        props,
        "define no notification channel, so alerts would reach nobody",
        "give at least one of emails, webhooks or pagerDuty",
      );
    }
    this.channels = channels;
  }

  /** An alert on a metric threshold, routed by severity. */
  thresholdAlert(alert: ThresholdAlert): MonitoringAlertPolicy {
    const name = this.claim(alert?.name);
    const duration = this.seconds(`${name}.durationSeconds`, alert.durationSeconds ?? 300, 0);
    const alignment = this.seconds(`${name}.alignmentSeconds`, alert.alignmentSeconds ?? 60, 60);
    if (typeof alert.threshold !== "number" || !Number.isFinite(alert.threshold)) {
      invalid(
        this,
        `${name}.threshold`,
        alert.threshold,
        "is not a number",
        "give the threshold as a number",
      );
    }
    return this.policy(name, alert.title, alert.severity, alert.runbook, {
      conditionThreshold: {
        filter: alert.filter,
        comparison: alert.comparison ?? "COMPARISON_GT",
        thresholdValue: alert.threshold,
        duration: `${duration}s`,
        aggregations: [
          { alignmentPeriod: `${alignment}s`, perSeriesAligner: alert.aligner ?? "ALIGN_MEAN" },
        ],
      },
    });
  }

  /** An alert when a metric stops reporting (e.g. an instance is down). */
  absenceAlert(
    alert: Pick<
      ThresholdAlert,
      "name" | "title" | "severity" | "filter" | "runbook" | "durationSeconds"
    >,
  ): MonitoringAlertPolicy {
    const name = this.claim(alert?.name);
    const duration = this.seconds(`${name}.durationSeconds`, alert.durationSeconds ?? 300, 120);
    return this.policy(name, alert.title, alert.severity, alert.runbook, {
      conditionAbsent: {
        filter: alert.filter,
        duration: `${duration}s`,
        aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MEAN" }],
      },
    });
  }

  /**
   * An HTTPS uptime check on `https://host:port/path` and an alert when it fails from more than
   * one checker region.
   */
  uptimeCheck(check: {
    readonly name: string;
    readonly projectId: string;
    readonly host: string;
    readonly path: string;
    /** @default 443 */
    readonly port?: number;
    /** @default true */
    readonly useSsl?: boolean;
    /** @default "critical" */
    readonly severity?: Severity;
  }): { readonly check: MonitoringUptimeCheckConfig; readonly alert: MonitoringAlertPolicy } {
    const name = this.claim(check?.name);
    if (typeof check.path !== "string" || !check.path.startsWith("/")) {
      invalid(
        this,
        `${name}.path`,
        check.path,
        "is not a URL path",
        "start the path with '/', e.g. /health",
      );
    }
    const port = check.port ?? 443;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      invalid(this, `${name}.port`, port, "is not a port", "use 1–65535");
    }
    const uptime = new MonitoringUptimeCheckConfig(this, `uptime-${name}`, {
      displayName: `${this.stack.prefix} ${name}`,
      timeout: "10s",
      period: "60s",
      httpCheck: {
        path: check.path,
        port,
        useSsl: check.useSsl ?? true,
        validateSsl: check.useSsl ?? true,
      },
      monitoredResource: {
        type: "uptime_url",
        labels: { host: check.host, project_id: check.projectId },
      },
    });
    const alert = this.policy(
      `${name}-failing`,
      `${name} health check failing`,
      check.severity ?? "critical",
      `The uptime check on ${check.path} fails from several regions. Check the service's logs and the instance.`,
      {
        conditionThreshold: {
          filter: `metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND resource.type="uptime_url" AND metric.label.check_id="${uptime.uptimeCheckId}"`,
          comparison: "COMPARISON_GT",
          thresholdValue: 1,
          duration: "60s",
          aggregations: [
            {
              alignmentPeriod: "1200s",
              perSeriesAligner: "ALIGN_NEXT_OLDER",
              crossSeriesReducer: "REDUCE_COUNT_FALSE",
              groupByFields: ["resource.label.*"],
            },
          ],
        },
      },
    );
    return { check: uptime, alert };
  }

  private policy(
    name: string,
    title: string,
    severity: Severity,
    runbook: string,
    condition: Record<string, unknown>,
  ): MonitoringAlertPolicy {
    const level = SEVERITIES[severity];
    if (!level) {
      invalid(
        this,
        `${name}.severity`,
        severity,
        "is not a severity",
        `use one of ${Object.keys(SEVERITIES).join(", ")}`,
      );
    }
    if (typeof runbook !== "string" || runbook.trim().length < 10) {
      invalid(
        this,
        `${name}.runbook`,
        runbook,
        "is missing",
        "say what the responder should check first",
      );
    }
    const channels = this.channels.filter((c) => level.page || !this.pagingChannels.includes(c));
    return new MonitoringAlertPolicy(this, `alert-${name}`, {
      displayName: `[${severity}] ${this.stack.prefix}: ${title}`,
      combiner: "OR",
      severity: level.gcp,
      conditions: [{ displayName: title, ...condition }],
      notificationChannels: channels.map((c) => c.id),
      documentation: {
        mimeType: "text/markdown",
        content: `${runbook}\n\nSeverity ${severity}: respond within ${level.responseSeconds} s.`,
      },
      alertStrategy: { autoClose: "86400s" },
      userLabels: { severity, "response-seconds": String(level.responseSeconds) },
    });
  }

  private secretValue(id: string, secret: ISecretRef): string {
    if (typeof secret?.secretId !== "string" || secret.secretId.length === 0) {
      invalid(
        this,
        id,
        secret,
        "is not a Secret Manager secret",
        "pass a Secret construct or { secretId }",
      );
    }
    return new DataGoogleSecretManagerSecretVersion(this, id, { secret: secret.secretId })
      .secretData;
  }

  private claim(name: unknown): string {
    const checked = checkName(this, "name", "alert", name);
    if (this.names.has(checked)) {
      invalid(
        this,
        "name",
        checked,
        "is already used by another alert or check here",
        "give each alert its own name",
      );
    }
    this.names.add(checked);
    return checked;
  }

  private seconds(property: string, value: unknown, min: number): number {
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > 86400) {
      invalid(
        this,
        property,
        value,
        `is not a whole number of seconds from ${min} to 86400`,
        "give whole seconds",
      );
    }
    return value as number;
  }
}
