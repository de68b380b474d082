import { Monitoring } from "../../constructs/gcp/monitoring";
import { findResource, resourcesOf, synthJson, testStack } from "../helpers/synth";

const pagerDuty = { integrationKeySecret: { secretId: "projects/p/secrets/pagerduty-key" } };

function setup(props: ConstructorParameters<typeof Monitoring>[2] = {}) {
  const stack = testStack();
  const monitoring = new Monitoring(stack, "monitoring", {
    emails: ["oncall@example.com"],
    webhooks: [{ name: "telegram", url: "https://relay.example.com/telegram" }],
    pagerDuty,
    ...props,
  });
  return { stack, monitoring };
}

const cpu = {
  name: "sql-cpu",
  title: "Cloud SQL CPU above 80 %",
  severity: "high" as const,
  filter: 'metric.type="cloudsql.googleapis.com/database/cpu/utilization"',
  threshold: 0.8,
  runbook: "Check slow queries in Query Insights.",
};

describe("Monitoring", () => {
  it("reads the PagerDuty key from Secret Manager; no literal key reaches the JSON", () => {
    const { stack } = setup();
    const json = synthJson(stack);
    const pd = findResource(json, "google_monitoring_notification_channel", { type: "pagerduty" });
    expect(pd.sensitive_labels).toEqual({
      service_key: expect.stringMatching(
        /^\$\{data\.google_secret_manager_secret_version\.[\w-]+\.secret_data\}$/,
      ),
    });
    // A channel's `labels` are its configuration; the stack's labels go to `user_labels`.
    const email = findResource(json, "google_monitoring_notification_channel", { type: "email" });
    expect(email.labels).toEqual({ email_address: "oncall@example.com" });
    expect(email.user_labels).toMatchObject({ environment: "dev", system: "test" });
  });

  it("pages only for high and critical alerts, with the severities' response times", () => {
    const { stack, monitoring } = setup();
    monitoring.thresholdAlert(cpu);
    monitoring.thresholdAlert({ ...cpu, name: "sql-disk", severity: "medium", title: "disk" });
    const json = synthJson(stack);
    const policies = resourcesOf(json, "google_monitoring_alert_policy").map((p) => p.config);
    const [high, medium] = policies;
    expect(high).toMatchObject({
      severity: "ERROR",
      user_labels: { severity: "high", "response-seconds": "300" },
      combiner: "OR",
    });
    expect(high.notification_channels as string[]).toHaveLength(3);
    expect(medium).toMatchObject({
      severity: "WARNING",
      user_labels: { severity: "medium", "response-seconds": "1800" },
    });
    expect(medium.notification_channels as string[]).toHaveLength(2);
    expect((medium.notification_channels as string[]).some((c) => c.includes("pagerduty"))).toBe(
      false,
    );
  });

  it("creates an uptime check with an alert on its failures", () => {
    const { stack, monitoring } = setup();
    monitoring.uptimeCheck({
      name: "health",
      projectId: "p-123456",
      host: "203.0.113.5",
      path: "/health",
    });
    const json = synthJson(stack);
    expect(findResource(json, "google_monitoring_uptime_check_config")).toMatchObject({
      http_check: { path: "/health", port: 443, use_ssl: true, validate_ssl: true },
      monitored_resource: { type: "uptime_url", labels: { host: "203.0.113.5" } },
    });
    const alert = findResource(json, "google_monitoring_alert_policy");
    expect(alert.severity).toBe("CRITICAL");
    expect(JSON.stringify(alert.conditions)).toContain("uptime_check/check_passed");
  });

  it("rejects props that are not an object", () => {
    expect(() => new Monitoring(testStack(), "m", null as never)).toThrow(
      /test-dev\/m: props = null are not an object/,
    );
  });

  it.each([
    [{ emails: ["not-an-email"] }, /emails\[0\] = "not-an-email" is not an email address/],
    [
      { webhooks: [{ name: "tg", url: "https://api.telegram.org/bot123456:ABC-def/sendMessage" }] },
      /webhooks\[0\]\.url = "\(redacted\)" carries a credential in the URL/,
    ],
    [
      { webhooks: [{ name: "tg", url: "http://relay" }] },
      /webhooks\[0\]\.url = "http:\/\/relay" is not an https URL/,
    ],
    [
      { emails: [], webhooks: [], pagerDuty: undefined },
      /define no notification channel, so alerts would reach nobody/,
    ],
    [
      { pagerDuty: { integrationKeySecret: { secretId: "" } } },
      /pagerduty-key = .* is not a Secret Manager secret/,
    ],
  ])("rejects %j", (props, message) => {
    expect(() => setup(props as never)).toThrow(message);
  });

  it.each([
    [{ severity: "urgent" }, /sql-cpu\.severity = "urgent" is not a severity/],
    [{ runbook: "" }, /sql-cpu\.runbook = "" is missing/],
    [{ durationSeconds: -5 }, /sql-cpu\.durationSeconds = -5 is not a whole number of seconds/],
    [{ threshold: Number.NaN }, /sql-cpu\.threshold = null is not a number/],
    [{ name: "Bad Name" }, /name = "Bad Name" is not a valid alert name/],
  ])("rejects alert %j", (override, message) => {
    const { monitoring } = setup();
    expect(() => monitoring.thresholdAlert({ ...cpu, ...(override as object) } as never)).toThrow(
      message,
    );
  });

  it("rejects two alerts with one name", () => {
    const { monitoring } = setup();
    monitoring.thresholdAlert(cpu);
    expect(() => monitoring.thresholdAlert(cpu)).toThrow(/name = "sql-cpu" is already used/);
  });
});
