import { z } from "zod";
import { Cidr, worldRangesOf } from "../constructs/core/cidr";
import { allowDeletionSchema, cidrSchema, labelsSchema } from "../constructs/core/schemas";
import { gcpProjectIdSchema, gcpRegionSchema, gcsBucketSchema } from "../constructs/gcp/schemas";
import { GCP_REGIONS } from "../constructs/gcp/regions";

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const hostnameSchema = z
  .string()
  .regex(HOSTNAME, "use a lowercase DNS name such as stockpilot.ai or www.stockpilot.ai");

/**
 * The public address range of an admin network. Private ranges (such as the original setup's
 * 192.168.1.0/24 and 10.0.0.0/8) are refused: traffic from them never reaches a public IP over
 * the internet, and 10.0.0.0/8 would also admit every VM of the VPC.
 */
const adminRangeSchema = cidrSchema.superRefine((value, ctx) => {
  const cidr = Cidr.tryParse(value);
  if (!cidr) return;
  const issue = (message: string) => ctx.addIssue({ code: "custom", message });
  if (cidr.kind !== "ipv4") {
    issue("use an IPv4 CIDR: the VM has no IPv6 address");
  } else if (worldRangesOf([cidr])) {
    issue(
      "list your admin network's public range (e.g. 203.0.113.0/24), not the whole internet; for SSH from anywhere use sshViaIap",
    );
  } else if (Cidr.RFC1918.some((block) => block.overlaps(cidr))) {
    issue(
      "use the public address your admin network reaches the internet from (e.g. 203.0.113.0/24): a private range never reaches the VM's public IP (and 10.0.0.0/8 would admit every VM of the VPC); for SSH use sshViaIap",
    );
  } else if (cidr.prefixLength < 16) {
    issue("use the admin network's own public range, a /16 or smaller (e.g. 203.0.113.0/24)");
  }
});

/**
 * The settings of one StockPilot environment. Validated at synth time; every bad
 * field is reported with its path and what to write instead. No secret goes here: the secrets
 * are created empty and filled out of band (help/stockpilot.md).
 */
export const stockpilotConfigSchema = z
  .object({
    /** dev, staging or prod: the stack is `stockpilot-<environment>`. */
    environment: z.enum(["dev", "staging", "prod"]),
    /** The GCP project the stack deploys into. */
    projectId: gcpProjectIdSchema,
    /** Terraform state: an existing GCS bucket with versioning on. */
    stateBucket: gcsBucketSchema,
    /** The region of the subnet, the VM, the database, the registry and the backups. */
    region: gcpRegionSchema,
    /** The VM's zone, in `region`. */
    zone: z.string().regex(/^[a-z]+-[a-z]+[0-9]+-[a-z]$/, "use a zone such as us-central1-a"),
    /** The subnet's range (RFC 1918). */
    subnetCidr: cidrSchema,
    /** Range reserved for private services access (Cloud SQL private IP). */
    privateServicesCidr: cidrSchema,
    /** The production host (originally 4 vCPU, 16 GB, 100 GB SSD). */
    vm: z
      .object({
        machineType: z.string().min(1, "give a machine type such as e2-standard-4"),
        bootDiskGb: z
          .number()
          .int("use a whole number of GB")
          .min(20, "give the host at least 20 GB (the production host has 100)"),
      })
      .strict(),
    /** Host names nginx serves; the first names the TLS certificate (e.g. stockpilot.ai). */
    domains: z
      .array(hostnameSchema)
      .min(1, "list the site's host names, e.g. ['stockpilot.ai', 'www.stockpilot.ai']")
      .refine((d) => new Set(d).size === d.length, "list each host name once"),
    /** The commit whose images the six services run (the pipeline pushes `<service>:<sha>`). */
    release: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/, "use the commit SHA the images are tagged with (7–40 hex digits)"),
    /**
     * Public ranges of the admin network: SSH (22), Prometheus (9090) and Grafana (3001) are
     * open to them only. May be empty (SSH through IAP only, no monitoring ports).
     */
    adminRanges: z.array(adminRangeSchema).superRefine((ranges, ctx) => {
      // Judged on the union: ranges that are each acceptable may together be the whole internet.
      const world = worldRangesOf(ranges.flatMap((r) => Cidr.tryParse(r) ?? []));
      if (world && world.length > 1) {
        ctx.addIssue({
          code: "custom",
          message: `${world.length > 3 ? `${world.length} ranges (${world.slice(0, 3).join(", ")}, ...)` : world.join(", ")} together cover every address: list your admin network's public range (e.g. 203.0.113.0/24), not the whole internet; for SSH from anywhere use sshViaIap`,
        });
      }
    }),
    /** Also allow SSH through Identity-Aware Proxy (`gcloud compute ssh --tunnel-through-iap`). */
    sshViaIap: z.boolean(),
    /** The Cloud SQL primary. */
    database: z
      .object({
        tier: z.string().min(1, "give a Cloud SQL tier such as db-custom-2-8192"),
        /** ZONAL suits a single-host system; REGIONAL adds a standby in another zone. */
        availability: z.enum(["ZONAL", "REGIONAL"]),
        diskSizeGb: z.number().int("use a whole number of GB").min(10, "use at least 10 GB"),
      })
      .strict(),
    /** Log level of the services (their `LOG_LEVEL`). */
    logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]),
    /**
     * The SMTP server alert mail goes through (the services' `EMAIL_SMTP_SERVER`); it must be
     * among `outboundHosts` with port 587. Without it the email secrets are not readable by the VM.
     */
    smtpServer: hostnameSchema.optional(),
    /**
     * Hosts the VM may reach outside Google, by name (the outside APIs StockPilot calls, Debian's
     * and Google's package mirrors, Let's Encrypt, the mail relay publish no fixed address
     * ranges): each entry becomes a Cloud NGFW FQDN egress rule; everything else stays denied.
     */
    outboundHosts: z
      .array(
        z
          .object({
            name: z
              .string()
              .regex(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/, "use a short name such as apis"),
            hosts: z.array(hostnameSchema).min(1, "list the host names"),
            ports: z
              .array(
                z.union([z.literal(80), z.literal(443), z.literal(587)], {
                  error:
                    "use 443 (HTTPS), 587 (SMTP submission) or 80 (apt mirrors, which serve signed packages over HTTP)",
                }),
              )
              .min(1, "list the ports, e.g. [443]")
              .refine((p) => new Set(p).size === p.length, "list each port once"),
          })
          .strict(),
      )
      .default([]),
    /** Extra labels for every resource. */
    labels: labelsSchema.optional(),
    allowDeletion: allowDeletionSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const region = config.zone.replace(/-[a-z]$/, "");
    if (region !== config.region || !GCP_REGIONS[region]?.includes(config.zone.slice(-1))) {
      const zones = (GCP_REGIONS[config.region] ?? []).map((z) => `${config.region}-${z}`);
      ctx.addIssue({
        code: "custom",
        path: ["zone"],
        input: config.zone,
        message: `use a zone of ${config.region}: ${zones.join(", ")}`,
      });
    }
    const smtp = config.smtpServer;
    if (
      smtp &&
      !config.outboundHosts.some((o) => o.hosts.includes(smtp) && o.ports.includes(587))
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["smtpServer"],
        input: smtp,
        message:
          "add it to outboundHosts with port 587 so the services can reach it, or leave smtpServer out",
      });
    }
  });

export type StockPilotConfig = z.output<typeof stockpilotConfigSchema>;

/**
 * Built-in example settings: they synthesize without credentials and show every knob. The
 * project ID and state bucket are placeholders and the admin range comes from a documentation
 * block (RFC 5737); point them at real values through a settings file (help/getting-started.md)
 * before deploying.
 */
export const STOCKPILOT_EXAMPLES: Readonly<
  Partial<Record<StockPilotConfig["environment"], unknown>>
> = {
  prod: {
    environment: "prod",
    projectId: "example-stockpilot-prod",
    stateBucket: "example-stockpilot-tfstate",
    region: "us-central1",
    zone: "us-central1-a",
    subnetCidr: "10.40.0.0/20",
    privateServicesCidr: "10.140.0.0/20",
    vm: { machineType: "e2-standard-4", bootDiskGb: 100 },
    domains: ["stockpilot.ai", "www.stockpilot.ai"],
    release: "5d41402",
    adminRanges: ["203.0.113.0/24"],
    sshViaIap: true,
    database: { tier: "db-custom-2-8192", availability: "ZONAL", diskSizeGb: 50 },
    logLevel: "INFO",
    smtpServer: "smtp.gmail.com",
    outboundHosts: [
      {
        name: "apis",
        hosts: [
          "api.openai.com",
          "www.alphavantage.co",
          "newsapi.org",
          "opendart.fss.or.kr",
          "data.krx.co.kr",
          "hooks.slack.com",
        ],
        ports: [443],
      },
      {
        name: "package-mirrors",
        hosts: [
          "deb.debian.org",
          "security.debian.org",
          "packages.cloud.google.com",
          "dl.google.com",
        ],
        ports: [80, 443],
      },
      { name: "letsencrypt", hosts: ["acme-v02.api.letsencrypt.org"], ports: [443] },
      { name: "mail", hosts: ["smtp.gmail.com"], ports: [587] },
    ],
    labels: { "cost-center": "stockpilot" },
  },
};
