import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { MonitoringNotificationChannel } from "@cdktf/provider-google/lib/monitoring-notification-channel";
import { MonitoringAlertPolicy } from "@cdktf/provider-google/lib/monitoring-alert-policy";
import { MonitoringUptimeCheckConfig } from "@cdktf/provider-google/lib/monitoring-uptime-check-config";
import { DataGoogleSecretManagerSecretVersion } from "@cdktf/provider-google/lib/data-google-secret-manager-secret-version";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import { TOKEN_MARKER } from "../core/terraform-text";
import {
  checkedBy,
  checkOptions,
  checkProps,
  constructRef,
  missingCheckedBy,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkProjectId } from "./schemas";

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
  /**
   * Human-readable title: the condition's name, and the policy's display name as
   * `[<severity>] <prefix>: <title>`, which Cloud Monitoring limits to
   * {@link MONITORING_LIMITS.displayName} characters.
   */
  readonly title: string;
  /** The alert's severity: who is notified and how fast they must respond. */
  readonly severity: Severity;
  /**
   * Monitoring filter selecting the time series, at most {@link MONITORING_LIMITS.filter}
   * characters, e.g. `metric.type="cloudsql.googleapis.com/database/cpu/utilization"`.
   */
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
  /**
   * Runbook text shown in the notification (Markdown). With the severity line the library appends,
   * the documentation may not exceed {@link MONITORING_LIMITS.documentationChars} characters nor
   * {@link MONITORING_LIMITS.documentationBytes} bytes of UTF-8.
   */
  readonly runbook: string;
}

/** An HTTPS uptime check, as given to {@link Monitoring.uptimeCheck}. */
export interface UptimeCheck {
  /** Short name, RFC 1035, unique within this construct. */
  readonly name: string;
  /** The project the check runs in. */
  readonly projectId: string;
  /**
   * The host name (RFC 1123, e.g. `api.example.com`) or IPv4 address checked: no scheme, port,
   * path or spaces.
   */
  readonly host: string;
  /** The URL path, starting with `/`, e.g. `/health`. */
  readonly path: string;
  /** @default 443 */
  readonly port?: number;
  /** @default true */
  readonly useSsl?: boolean;
  /** @default "critical" */
  readonly severity?: Severity;
}

/**
 * What the Cloud Monitoring API accepts, checked at synth time so that a plan does not fail at
 * apply: lengths in Unicode characters unless named bytes.
 */
export const MONITORING_LIMITS = {
  /** An alert policy's display name. */
  displayName: 512,
  /** A condition's filter. */
  filter: 2048,
  /** An alert policy's documentation content, in characters... */
  documentationChars: 8192,
  /** ...and in bytes of UTF-8, whichever is reached first. */
  documentationBytes: 10_240,
  /** An email address (RFC 5321: 64 for the local part, 254 in all). */
  email: 254,
  /** A host name (RFC 1123: labels of at most 63, 253 in all). */
  hostName: 253,
} as const;

const SECRET_REF = constructRef<ISecretRef>("a Secret construct, or { secretId }", ["secretId"]);

/** Shapes and types of {@link MonitoringProps}; a webhook's URL is judged by `checkWebhookUrl`. */
const MONITORING_PROPS = z.strictObject({
  emails: z.array(z.string()).optional(),
  webhooks: z
    .array(
      z.strictObject({
        name: z.string(),
        url: missingCheckedBy(z.string(), "checkWebhookUrl"),
        authTokenSecret: SECRET_REF.optional(),
      }),
    )
    .optional(),
  pagerDuty: z.strictObject({ integrationKeySecret: SECRET_REF }).optional(),
}) satisfies PropsSchema<MonitoringProps>;

/**
 * Shapes and types of {@link ThresholdAlert}. Left to the construct, whose messages are more
 * specific: a missing title, severity, filter or runbook (`policy`, `checkFilter`: "is missing",
 * the severities), and a threshold that is not a number (NaN included).
 */
const ALERT_SHAPE = {
  name: z.string(),
  title: missingCheckedBy(z.string(), "policy"),
  severity: missingCheckedBy(stringOf<Severity>(), "policy"),
  filter: missingCheckedBy(z.string(), "checkFilter"),
  comparison: z.enum(["COMPARISON_GT", "COMPARISON_LT"]).optional(),
  threshold: checkedBy<number>("thresholdAlert"),
  durationSeconds: z.number().optional(),
  aligner: z.enum(["ALIGN_MEAN", "ALIGN_MAX", "ALIGN_RATE", "ALIGN_SUM"]).optional(),
  alignmentSeconds: z.number().optional(),
  runbook: missingCheckedBy(z.string(), "policy"),
};
const THRESHOLD_ALERT = z.strictObject(ALERT_SHAPE) satisfies PropsSchema<ThresholdAlert>;
const ABSENCE_ALERT = z.strictObject({
  name: ALERT_SHAPE.name,
  title: ALERT_SHAPE.title,
  severity: ALERT_SHAPE.severity,
  filter: ALERT_SHAPE.filter,
  runbook: ALERT_SHAPE.runbook,
  durationSeconds: ALERT_SHAPE.durationSeconds,
}) satisfies PropsSchema<
  Pick<ThresholdAlert, "name" | "title" | "severity" | "filter" | "runbook" | "durationSeconds">
>;

/**
 * Shapes and types of {@link UptimeCheck}; a missing project, host or path is reported by
 * `uptimeCheck` and `checkUptimeHost`, with an example.
 */
const UPTIME_CHECK = z.strictObject({
  name: z.string(),
  projectId: missingCheckedBy(z.string(), "uptimeCheck"),
  host: missingCheckedBy(z.string(), "checkUptimeHost"),
  path: missingCheckedBy(z.string(), "uptimeCheck"),
  port: z.number().optional(),
  useSsl: z.boolean().optional(),
  severity: stringOf<Severity>().optional(),
}) satisfies PropsSchema<UptimeCheck>;

/**
 * Where a method's bad options are named: under the alert's or check's name, as the construct's
 * own checks name them (`sql-cpu.threshold`), or under the method while the name is unusable.
 */
function optionsLabel(method: string, options: unknown): string {
  const name = (options as { name?: unknown } | null | undefined)?.name;
  return typeof name === "string" && /^[a-z][a-z0-9-]*$/.test(name) ? name : method;
}

const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** `https://` host, optional port, then a path, query or fragment without spaces. */
const HTTPS_URL = /^https:\/\/([^/?#:\s]*)(?::([^/?#\s]*))?([/?#][^\s]*)?$/;

/**
 * Code points, as the API counts "Unicode characters", of the text without its Terraform
 * references (what they resolve to is known only at apply): a lower bound of the final length.
 */
function characters(text: string): number {
  return [...text.replace(TOKEN_MARKER, "")].length;
}

/** UTF-8 bytes of the text without its Terraform references (a lower bound, as above). */
function utf8Bytes(text: string): number {
  return Buffer.byteLength(text.replace(TOKEN_MARKER, ""), "utf8");
}

/**
 * True for a name that resolves on the internet: RFC 1123 labels (letters, digits, inner
 * hyphens, at most 63 each), at least two of them, at most 253 characters, the last not all
 * digits; or a dotted IPv4 address.
 */
export function isHostName(host: unknown): host is string {
  if (typeof host !== "string") return false;
  if (IPV4.test(host)) return true;
  const labels = host.split(".");
  return (
    host.length <= MONITORING_LIMITS.hostName &&
    labels.length >= 2 &&
    labels.every((l) => HOST_LABEL.test(l)) &&
    !/^\d+$/.test(labels[labels.length - 1])
  );
}

/** True for an address `local@domain` with a dot-atom local part and a host name as domain. */
export function isEmailAddress(email: unknown): email is string {
  if (typeof email !== "string" || email.length > MONITORING_LIMITS.email) return false;
  const at = email.lastIndexOf("@");
  if (at < 1) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  return local.length <= 64 && EMAIL_LOCAL.test(local) && isHostName(domain) && !IPV4.test(domain);
}

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
    checkProps(this, MONITORING_PROPS, props, "{ emails, webhooks, pagerDuty }");
    const channels: MonitoringNotificationChannel[] = [];
    (props.emails ?? []).forEach((email, i) => {
      if (!isEmailAddress(email)) {
        invalid(
          this,
          `emails[${i}]`,
          email,
          `is not an email address (local@domain, the domain a host name, at most ${MONITORING_LIMITS.email} characters)`,
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
      if (
        /\/bot\d+:[A-Za-z0-9_-]+/.test(String(url)) ||
        /[?&](token|key|secret)=/i.test(String(url)) ||
        /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(String(url))
      ) {
        invalid(
          this,
          `webhooks[${i}].url`,
          "(redacted)",
          "carries a credential in the URL, which would be written into the JSON and the state",
          "point the channel at a relay URL and keep the token in Secret Manager (authTokenSecret)",
        );
      }
      this.checkWebhookUrl(`webhooks[${i}].url`, url);
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
    checkOptions(
      this,
      optionsLabel("thresholdAlert", alert),
      THRESHOLD_ALERT,
      alert,
      "{ name, title, severity, filter, threshold, runbook }",
    );
    const name = this.claim(alert?.name);
    const duration = this.seconds(`${name}.durationSeconds`, alert.durationSeconds ?? 300, 0);
    const alignment = this.seconds(`${name}.alignmentSeconds`, alert.alignmentSeconds ?? 60, 60);
    const filter = this.checkFilter(name, alert.filter);
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
        filter,
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
    checkOptions(
      this,
      optionsLabel("absenceAlert", alert),
      ABSENCE_ALERT,
      alert,
      "{ name, title, severity, filter, runbook }",
    );
    const name = this.claim(alert?.name);
    const duration = this.seconds(`${name}.durationSeconds`, alert.durationSeconds ?? 300, 120);
    const filter = this.checkFilter(name, alert.filter);
    return this.policy(name, alert.title, alert.severity, alert.runbook, {
      conditionAbsent: {
        filter,
        duration: `${duration}s`,
        aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MEAN" }],
      },
    });
  }

  /**
   * An HTTPS uptime check on `https://host:port/path` and an alert when it fails from more than
   * one checker region.
   */
  uptimeCheck(check: UptimeCheck): {
    readonly check: MonitoringUptimeCheckConfig;
    readonly alert: MonitoringAlertPolicy;
  } {
    checkOptions(
      this,
      optionsLabel("uptimeCheck", check),
      UPTIME_CHECK,
      check,
      "{ name, projectId, host, path }",
    );
    const name = this.claim(check?.name);
    if (checkProjectId(this, `${name}.projectId`, check.projectId) === undefined) {
      invalid(this, `${name}.projectId`, check.projectId, "is missing", "give the project ID");
    }
    this.checkUptimeHost(`${name}.host`, check.host);
    if (typeof check.path !== "string" || !check.path.startsWith("/") || /\s/.test(check.path)) {
      invalid(
        this,
        `${name}.path`,
        check.path,
        "is not a URL path",
        "start the path with '/' and leave out spaces, e.g. /health",
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
    if (typeof title !== "string" || title.trim().length === 0) {
      invalid(
        this,
        `${name}.title`,
        title,
        "is missing: Cloud Monitoring needs a display name for the policy and its condition",
        "give a short title, e.g. 'Cloud SQL CPU above 80 %'",
      );
    }
    const displayName = `[${severity}] ${this.stack.prefix}: ${title}`;
    const { displayName: maxName } = MONITORING_LIMITS;
    if (characters(displayName) > maxName) {
      invalid(
        this,
        `${name}.title`,
        title,
        `makes the policy's display name ${characters(displayName)} characters long; Cloud Monitoring takes at most ${maxName}`,
        `shorten the title to at most ${maxName - (characters(displayName) - characters(title))} characters`,
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
    const content = `${runbook}\n\nSeverity ${severity}: respond within ${level.responseSeconds} s.`;
    const { documentationChars: maxChars, documentationBytes: maxBytes } = MONITORING_LIMITS;
    if (characters(content) > maxChars || utf8Bytes(content) > maxBytes) {
      invalid(
        this,
        `${name}.runbook`,
        `(${characters(runbook)} characters)`,
        `makes the documentation ${characters(content)} characters and ${utf8Bytes(content)} bytes of UTF-8 long (with the severity line); Cloud Monitoring takes at most ${maxChars} characters and ${maxBytes} bytes`,
        "keep the first steps in the runbook and link to the full procedure",
      );
    }
    const channels = this.channels.filter((c) => level.page || !this.pagingChannels.includes(c));
    return new MonitoringAlertPolicy(this, `alert-${name}`, {
      displayName,
      combiner: "OR",
      severity: level.gcp,
      conditions: [{ displayName: title, ...condition }],
      notificationChannels: channels.map((c) => c.id),
      documentation: {
        mimeType: "text/markdown",
        content,
      },
      alertStrategy: { autoClose: "86400s" },
      userLabels: { severity, "response-seconds": String(level.responseSeconds) },
    });
  }

  /** Every condition selects its time series with a filter the API accepts. */
  private checkFilter(name: string, filter: unknown): string {
    if (typeof filter !== "string" || filter.trim().length === 0) {
      invalid(
        this,
        `${name}.filter`,
        filter,
        "is missing: every condition needs a Monitoring filter that names the metric type",
        'give a filter such as metric.type="compute.googleapis.com/instance/uptime"',
      );
    }
    if (characters(filter) > MONITORING_LIMITS.filter) {
      invalid(
        this,
        `${name}.filter`,
        `(${characters(filter)} characters)`,
        `is longer than the ${MONITORING_LIMITS.filter} characters Cloud Monitoring takes in a filter`,
        "select the time series with fewer terms, e.g. by a shared label instead of a list of names",
      );
    }
    return filter;
  }

  /** A webhook is an https URL to a host name, with an optional port. */
  private checkWebhookUrl(property: string, url: unknown): void {
    const match = typeof url === "string" ? HTTPS_URL.exec(url) : null;
    if (!match) {
      invalid(this, property, url, "is not an https URL", "use https://host/path, without spaces");
    }
    const [, host, port] = match;
    if (!isHostName(host)) {
      invalid(
        this,
        property,
        url,
        `names ${JSON.stringify(host)}, which is not a host name (RFC 1123: dot-separated labels of letters, digits and inner hyphens, at most 63 characters each, ${MONITORING_LIMITS.hostName} in all) or an IPv4 address`,
        "use the relay's DNS name, e.g. https://relay.example.com/alerts",
      );
    }
    if (
      port !== undefined &&
      !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)
    ) {
      invalid(
        this,
        property,
        url,
        `has port ${JSON.stringify(port)}`,
        "use a port from 1 to 65535, or none for 443",
      );
    }
  }

  /** An uptime check's host: a host name or an address, nothing of the URL around it. */
  private checkUptimeHost(property: string, host: unknown): void {
    if (Token.isUnresolved(host)) return;
    const example = "use the host name alone, e.g. api.example.com, or an IPv4 address";
    if (typeof host !== "string" || host.length === 0) {
      invalid(this, property, host, "is missing", example);
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
      invalid(this, property, host, "includes a scheme; the check builds the URL itself", example);
    }
    if (host.includes("/")) {
      invalid(this, property, host, "includes a path", `${example}; put the path in path`);
    }
    if (/^[^:]+:\d*$/.test(host)) {
      invalid(this, property, host, "includes a port", `${example}; put the port in port`);
    }
    if (!isHostName(host)) {
      invalid(
        this,
        property,
        host,
        `is not a host name (RFC 1123: dot-separated labels of letters, digits and inner hyphens, at most 63 characters each, ${MONITORING_LIMITS.hostName} in all; no spaces, '$' or other characters) or an IPv4 address`,
        example,
      );
    }
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
