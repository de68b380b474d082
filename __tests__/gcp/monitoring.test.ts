import { TerraformVariable } from "cdktf";
import { MONITORING_LIMITS, Monitoring } from "../../constructs/gcp/monitoring";
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

  describe("provider limits, checked at synth time", () => {
    const suffix = "\n\nSeverity high: respond within 300 s.";
    /** `[high] test-dev: ` in front of the title makes the policy's display name. */
    const nameOverhead = "[high] test-dev: ".length;
    const uptime = { name: "health", projectId: "p-123456", host: "api.example.com", path: "/" };
    /** Dot-separated labels of the given lengths. */
    const host = (...lengths: number[]) => lengths.map((n) => "a".repeat(n)).join(".");

    it("exposes the limits it enforces", () => {
      expect(MONITORING_LIMITS).toMatchObject({
        displayName: 512,
        filter: 2048,
        documentationChars: 8192,
        documentationBytes: 10240,
      });
    });

    it.each([
      [{ title: "" }, /sql-cpu\.title = "" is missing: Cloud Monitoring needs a display name/],
      [{ title: undefined }, /sql-cpu\.title = undefined is missing/],
      [
        { filter: "" },
        /sql-cpu\.filter = "" is missing: every condition needs a Monitoring filter/,
      ],
      [{ filter: undefined }, /sql-cpu\.filter = undefined is missing/],
    ])("refuses alert %j", (override, message) => {
      const { monitoring } = setup();
      expect(() => monitoring.thresholdAlert({ ...cpu, ...override } as never)).toThrow(message);
    });

    it("refuses an absence alert without a filter", () => {
      const { monitoring } = setup();
      const { name, title, severity, runbook } = cpu;
      expect(() =>
        monitoring.absenceAlert({ name, title, severity, runbook, filter: " " }),
      ).toThrow(/sql-cpu\.filter = " " is missing/);
    });

    it("takes a display name of 512 characters, not 513", () => {
      const max = MONITORING_LIMITS.displayName - nameOverhead;
      const { stack, monitoring } = setup();
      monitoring.thresholdAlert({ ...cpu, title: "€".repeat(max) });
      const policy = findResource(synthJson(stack), "google_monitoring_alert_policy");
      expect([...(policy.display_name as string)]).toHaveLength(512);
      expect(() =>
        monitoring.thresholdAlert({ ...cpu, name: "other", title: "t".repeat(max + 1) }),
      ).toThrow(
        new RegExp(
          `other\\.title = .* makes the policy's display name 513 characters long; Cloud Monitoring takes at most 512.*shorten the title to at most ${max} characters`,
          "s",
        ),
      );
    });

    it("takes a filter of 2048 characters, not 2049", () => {
      const { monitoring } = setup();
      const filter = (n: number) => `metric.type="${"m".repeat(n - 14)}"`;
      expect(filter(2048)).toHaveLength(2048);
      monitoring.thresholdAlert({ ...cpu, filter: filter(2048) });
      expect(() =>
        monitoring.thresholdAlert({ ...cpu, name: "other", filter: filter(2049) }),
      ).toThrow(
        /other\.filter = "\(2049 characters\)" is longer than the 2048 characters Cloud Monitoring takes/,
      );
    });

    it("takes documentation of 8192 characters, not 8193", () => {
      const { stack, monitoring } = setup();
      const runbook = (n: number) => "r".repeat(n - suffix.length);
      monitoring.thresholdAlert({ ...cpu, runbook: runbook(8192) });
      const policy = findResource(synthJson(stack), "google_monitoring_alert_policy");
      expect((policy.documentation as { content: string }).content).toHaveLength(8192);
      expect(() =>
        monitoring.thresholdAlert({ ...cpu, name: "other", runbook: runbook(8193) }),
      ).toThrow(
        /other\.runbook = .* makes the documentation 8193 characters .*at most 8192 characters and 10240 bytes/,
      );
    });

    it("takes documentation of 10240 bytes of UTF-8, not 10241", () => {
      const { monitoring } = setup();
      const budget = MONITORING_LIMITS.documentationBytes - suffix.length;
      const runbook = "é".repeat(Math.floor(budget / 2)) + "r".repeat(budget % 2);
      expect(Buffer.byteLength(runbook + suffix)).toBe(10240);
      monitoring.thresholdAlert({ ...cpu, runbook });
      expect(() =>
        monitoring.thresholdAlert({ ...cpu, name: "other", runbook: `${runbook}r` }),
      ).toThrow(
        /other\.runbook = .* and 10241 bytes of UTF-8 long .*at most 8192 characters and 10240 bytes/,
      );
    });

    describe("email addresses", () => {
      it.each([
        "a@b",
        "a@-example.com",
        "a@example..com",
        "a b@example.com",
        "@example.com",
        "a..b@example.com",
        "a@203.0.113.5",
        "a@exa_mple.com",
        `${"l".repeat(65)}@example.com`,
        `${"l".repeat(64)}@${host(63, 63, 58, 3)}`,
      ])("refuses %s", (email) => {
        expect(() => setup({ emails: [email] })).toThrow(
          /emails\[0\] = .* is not an email address \(local@domain, the domain a host name, at most 254 characters\)/,
        );
      });

      it("takes a 64-character local part and 254 characters in all", () => {
        const email = `${"l".repeat(64)}@${host(63, 63, 57, 3)}`;
        expect(email).toHaveLength(254);
        const { stack } = setup({ emails: [email, "on-call+bot@alerts.example.co.uk"] });
        expect(
          resourcesOf(synthJson(stack), "google_monitoring_notification_channel").filter(
            (c) => c.config.type === "email",
          ),
        ).toHaveLength(2);
      });
    });

    describe("webhook URLs", () => {
      const hook = (url: string) => ({ webhooks: [{ name: "relay", url }] });

      it.each([
        ["https://relay example.com/x", /is not an https URL/],
        ["https:/relay.example.com/x", /is not an https URL/],
        ["https://relay/x", /names "relay", which is not a host name \(RFC 1123/],
        [
          "https://relay_1.example.com/x",
          /names "relay_1\.example\.com", which is not a host name/,
        ],
        ["https://-relay.example.com/x", /names "-relay\.example\.com", which is not a host name/],
        ["https://$HOST/x", /names "\$HOST", which is not a host name/],
        [`https://${host(64, 3)}/x`, /which is not a host name .*at most 63 characters each/],
        ["https://relay.example.com:99999/x", /has port "99999".*1 to 65535/s],
        ["https://relay.example.com:/x", /has port ""/],
        ["https://bot@relay.example.com/x", /url = "\(redacted\)" carries a credential/],
      ])("refuses %s", (url, message) => {
        expect(() => setup(hook(url))).toThrow(message);
      });

      it.each([
        "https://relay.example.com",
        "https://relay.example.com:8443/alerts?channel=ops#x",
        "https://203.0.113.9/hook",
        `https://${host(63, 3)}/x`,
      ])("takes %s", (url) => {
        const { stack } = setup(hook(url));
        expect(
          findResource(synthJson(stack), "google_monitoring_notification_channel", {
            type: "webhook_tokenauth",
          }).labels,
        ).toEqual({ url });
      });
    });

    describe("uptime check hosts", () => {
      it.each([
        [
          "https://api.example.com",
          /health\.host = "https:\/\/api\.example\.com" includes a scheme/,
        ],
        ["api.example.com/health", /health\.host = .* includes a path/],
        ["api.example.com:443", /health\.host = .* includes a port.*put the port in port/s],
        ["api example.com", /health\.host = .* is not a host name \(RFC 1123/],
        ["$HOST", /health\.host = "\$HOST" is not a host name/],
        ["${var.host}", /health\.host = .* is not a host name/],
        ["api_1.example.com", /is not a host name/],
        ["localhost", /is not a host name/],
        [host(63, 63, 63, 62), /is not a host name .*253 in all/],
        ["", /health\.host = "" is missing/],
      ])("refuses %s", (value, message) => {
        const { monitoring } = setup();
        expect(() => monitoring.uptimeCheck({ ...uptime, host: value })).toThrow(message);
      });

      it("takes a host name of 253 characters, an IPv4 address and a reference", () => {
        const { stack, monitoring } = setup();
        const long = host(63, 63, 63, 61);
        expect(long).toHaveLength(253);
        monitoring.uptimeCheck({ ...uptime, host: long });
        monitoring.uptimeCheck({ ...uptime, name: "ip", host: "203.0.113.5" });
        const address = new TerraformVariable(stack, "address", { type: "string" }).stringValue;
        monitoring.uptimeCheck({ ...uptime, name: "ref", host: address });
        const hosts = resourcesOf(synthJson(stack), "google_monitoring_uptime_check_config").map(
          (c) => (c.config.monitored_resource as { labels: { host: string } }).labels.host,
        );
        expect(hosts).toEqual([long, "203.0.113.5", "${var.address}"]);
      });

      it.each([
        [{ projectId: "My Project" }, /health\.projectId = "My Project" is not a GCP project ID/],
        [{ projectId: undefined }, /health\.projectId = undefined is missing/],
        [{ path: "/health check" }, /health\.path = "\/health check" is not a URL path/],
      ])("refuses %j", (override, message) => {
        const { monitoring } = setup();
        expect(() => monitoring.uptimeCheck({ ...uptime, ...override } as never)).toThrow(message);
      });
    });
  });
});
