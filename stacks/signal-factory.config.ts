import { z } from "zod";
import { allowDeletionSchema, cidrSchema, labelsSchema } from "../constructs/core/schemas";
import { awsRegionSchema, s3BucketNameSchema, s3StateSchema } from "./aws-state.config";
import { clusterReferenceSchema } from "./kubernetes-access.config";

/** The prefix of the stack's resource names (`<prefix>-primary`). */
export const namePrefixSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    "use 2-32 lowercase letters, digits and '-', starting with a letter, e.g. signal-factory",
  );

const commitSha = z
  .string()
  .regex(/^[0-9a-f]{7,40}$/, "use the git commit SHA the image is tagged with (7-40 hex digits)");

/** A Kubernetes namespace name of the user's own (DNS-1123 label, not default or kube-*). */
const namespaceSchema = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "use a namespace name: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
  )
  .refine(
    (n) => n !== "default" && !n.startsWith("kube-"),
    "use a namespace of your own, not default or kube-*",
  );

/**
 * The Kubernetes stack `signal-factory-<environment>-k8s`, which runs `trading-service` on a
 * cluster another stack made. Without this section the stack is not built.
 */
const kubernetesSchema = z
  .object({
    /** The cluster to deploy to, read by name: `{ kind: "eks", region, name }` or `{ kind: "gke", ... }`. */
    cluster: clusterReferenceSchema,
    /** The namespace `trading-service` runs in, created by the stack (e.g. `production`). */
    namespace: namespaceSchema,
    /**
     * The ECR registry the cluster pulls from, `<account>.dkr.ecr.<region>.amazonaws.com`: the
     * image is the stack's repository `<namePrefix>-<repository>` at the tag `release`.
     */
    registry: z
      .string()
      .regex(
        /^\d{12}\.dkr\.ecr\.[a-z]{2}(-gov)?-[a-z]+-\d\.amazonaws\.com$/,
        "use an ECR registry host such as 111122223333.dkr.ecr.ap-northeast-2.amazonaws.com",
      ),
    /** Namespaces whose pods may call `trading-service` (its NetworkPolicy admits only them). */
    callers: z.array(namespaceSchema).default([]),
    /**
     * Publish `trading-service` through a LoadBalancer instead of a ClusterIP Service: an opt-out
     * with the client ranges and a reason, which the review lists. Omit to keep it in the cluster.
     */
    loadBalancer: z
      .object({
        /** Client ranges (CIDR) that may reach the load balancer. */
        sourceRanges: z.array(cidrSchema).min(1, "list the client ranges that may connect"),
        /** Why the service is reachable from outside the cluster. */
        reason: z.string().min(20, "give a reason of at least 20 characters"),
        /** An internal load balancer (reachable from the cluster's network only). */
        internal: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict();

const ids = (what: string, example: string, pattern: RegExp) =>
  z.array(z.string().regex(pattern, `use ${what} ids such as ${example}`));

/**
 * The settings of one Signal Factory environment. Validated at synth time; every bad field is
 * reported with its path and what to write instead. No secret goes here: the application secret
 * is created empty and its value put out of band (help/signal-factory.md).
 */
export const signalFactoryConfigSchema = z
  .object({
    /** dev, staging or prod: the stack is `signal-factory-<environment>`. */
    environment: z.enum(["dev", "staging", "prod"]),
    /** The prefix of every resource name: the database is `<namePrefix>-primary`. */
    namePrefix: namePrefixSchema,
    /** The region everything but the database replica runs in. */
    region: awsRegionSchema,
    /** Terraform state. */
    state: s3StateSchema,
    /** The VPC: its range and one private, public and isolated subnet per zone. */
    vpc: z
      .object({
        cidr: cidrSchema,
        /** Workloads (the Fargate tasks), one per zone. */
        privateSubnetCidrs: z.array(cidrSchema).min(2, "list one range per zone, two or more"),
        /** Load balancers and the NAT gateways, one per zone. */
        publicSubnetCidrs: z.array(cidrSchema).min(2, "list one range per zone, two or more"),
        /** The database, one per zone: no route to the internet. */
        isolatedSubnetCidrs: z.array(cidrSchema).min(2, "list one range per zone, two or more"),
      })
      .strict(),
    /** The commit whose image the service runs: images are tagged with the git SHA. */
    release: commitSha,
    /** The ECR repository is `<namePrefix>-<repository>`. */
    repository: z
      .string()
      .regex(/^[a-z0-9]+([._-][a-z0-9]+)*$/, "use a short repository name such as app"),
    /** The ECS cluster the service runs in, created by the stack. */
    clusterName: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/,
        "use an ECS cluster name such as production-cluster",
      ),
    /** The Fargate service `<namePrefix>-service`. */
    service: z
      .object({
        /** CPU units (256, 512, 1024, ...). */
        cpu: z.number().int(),
        /** Memory in MiB, a size Fargate allows with `cpu`. */
        memory: z.number().int(),
        /** Number of tasks. */
        desiredCount: z.number().int().min(1, "run at least one task").max(100),
      })
      .strict(),
    /** The primary database `<namePrefix>-primary`. */
    database: z
      .object({
        /** PostgreSQL major (`16`) or `major.minor`. */
        engineVersion: z.string().regex(/^\d{2}(\.\d{1,2})?$/, "use a version such as 16 or 16.4"),
        /** RDS instance class. */
        instanceClass: z
          .string()
          .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "use an instance class such as db.t3.medium"),
        /** Days of automated backups (point-in-time recovery), 1-35. */
        backupRetentionDays: z.number().int().min(1).max(35),
        /** Daily backup window, UTC. */
        backupWindow: z
          .string()
          .regex(/^\d\d:\d\d-\d\d:\d\d$/, "use hh:mm-hh:mm in UTC, e.g. 03:00-04:00"),
      })
      .strict(),
    /**
     * The cross-region read replica: its region and the VPC there (an existing one, described by
     * its ids; the replica's subnet group takes its isolated subnets).
     */
    replica: z
      .object({
        region: awsRegionSchema,
        vpc: z
          .object({
            vpcId: z
              .string()
              .regex(/^vpc-[0-9a-f]{8,17}$/, "use a VPC id such as vpc-0123456789abcdef0"),
            azs: z.array(z.string()).min(2, "list the zones of the isolated subnets, two or more"),
            isolatedSubnetIds: ids("subnet", "subnet-0123456789abcdef0", /^subnet-[0-9a-f]{8,17}$/),
          })
          .strict(),
      })
      .strict(),
    /** The database dumps bucket. */
    backups: z
      .object({
        /** The bucket's name (S3 names are global). */
        bucket: s3BucketNameSchema,
        /** Days a dump is kept. */
        expireAfterDays: z.number().int().min(1).max(3650),
      })
      .strict(),
    /** The bucket that receives the S3 server access logs of the stack's buckets. */
    accessLogsBucket: s3BucketNameSchema,
    /** Extra tags for every resource. */
    labels: labelsSchema.optional(),
    allowDeletion: allowDeletionSchema.optional(),
    /** `trading-service` on a Kubernetes cluster: the stack `signal-factory-<environment>-k8s`. */
    kubernetes: kubernetesSchema.optional(),
  })
  .strict();

export type SignalFactoryConfig = z.output<typeof signalFactoryConfigSchema>;

/**
 * Built-in example settings: they synthesize without credentials and show every knob. The state
 * bucket, the replica's VPC ids and the bucket names are placeholders; point them at real values
 * through a settings file (see help/getting-started.md) before deploying.
 */
export const SIGNAL_FACTORY_EXAMPLES: Readonly<
  Partial<Record<SignalFactoryConfig["environment"], unknown>>
> = {
  prod: {
    environment: "prod",
    namePrefix: "signal-factory",
    region: "ap-northeast-2",
    state: { bucket: "example-signal-factory-tfstate", region: "ap-northeast-2" },
    vpc: {
      cidr: "10.40.0.0/16",
      publicSubnetCidrs: ["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"],
      privateSubnetCidrs: ["10.40.10.0/24", "10.40.11.0/24", "10.40.12.0/24"],
      isolatedSubnetCidrs: ["10.40.20.0/24", "10.40.21.0/24", "10.40.22.0/24"],
    },
    release: "3f9c2ab",
    repository: "app",
    clusterName: "production-cluster",
    service: { cpu: 512, memory: 1024, desiredCount: 2 },
    database: {
      engineVersion: "16",
      instanceClass: "db.t3.medium",
      backupRetentionDays: 7,
      backupWindow: "03:00-04:00",
    },
    replica: {
      region: "us-west-2",
      vpc: {
        vpcId: "vpc-0a1b2c3d4e5f60718",
        azs: ["us-west-2a", "us-west-2b"],
        isolatedSubnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"],
      },
    },
    backups: { bucket: "signal-factory-backups", expireAfterDays: 30 },
    accessLogsBucket: "example-signal-factory-access-logs",
    labels: { "cost-center": "signals" },
    kubernetes: {
      cluster: { kind: "eks", region: "ap-northeast-2", name: "platform-prod" },
      namespace: "production",
      registry: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com",
      callers: ["signal-consumers"],
    },
  },
};
