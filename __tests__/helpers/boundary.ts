import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformOutput, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { StaticSite } from "../../constructs/aws/cdn";
import { EcrRepository } from "../../constructs/aws/ecr";
import { EcsFargateService } from "../../constructs/aws/ecs";
import { EksCluster } from "../../constructs/aws/eks";
import { RedisReplicationGroup } from "../../constructs/aws/elasticache";
import {
  AccountRootPrincipal,
  FederatedPrincipal,
  IamRole,
  ServicePrincipal,
} from "../../constructs/aws/iam";
import type { IVpc } from "../../constructs/aws/interfaces";
import { KmsKey } from "../../constructs/aws/kms";
import { RdsPostgres } from "../../constructs/aws/rds";
import { S3Bucket } from "../../constructs/aws/s3-bucket";
import { SecretsManagerSecret } from "../../constructs/aws/secrets";
import { Peer, SecurityGroup } from "../../constructs/aws/security-group";
import { Vpc } from "../../constructs/aws/vpc";
import { Ingress } from "../../constructs/k8s/ingress";
import { Namespace } from "../../constructs/k8s/namespace";
import { Workload } from "../../constructs/k8s/workload";
import { ValidationError } from "../../constructs/core/errors";
import type { PlatformStack } from "../../constructs/core/stack";
import { ArtifactRegistry } from "../../constructs/gcp/artifact-registry";
import { Bucket } from "../../constructs/gcp/bucket";
import { CloudBuildPipeline } from "../../constructs/gcp/cloud-build";
import { CloudSqlPostgres } from "../../constructs/gcp/cloud-sql";
import { Firewall } from "../../constructs/gcp/firewall";
import { GkeCluster } from "../../constructs/gcp/gke";
import { Monitoring } from "../../constructs/gcp/monitoring";
import { Network, type INetwork } from "../../constructs/gcp/network";
import { RegionalPlatform } from "../../constructs/gcp/region";
import { Secret } from "../../constructs/gcp/secrets";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import { Vm } from "../../constructs/gcp/vm";
import { testStack } from "./app";

export { testStack };

/**
 * The input boundary's sweep table: for every public construct, a builder and a rich valid props
 * object, plus the machinery to replace one leaf of it and judge what comes out.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- the sweep feeds constructs untyped input on purpose */
type Props = Record<string, any>;

export interface SweepCase {
  /** The construct, as named in reports. */
  readonly construct: string;
  /** Fresh rich valid props; construct references are created in `stack`. */
  readonly props: (stack: PlatformStack) => Props;
  /** Builds the construct (and calls its methods) from the props. */
  readonly build: (stack: PlatformStack, props: Props) => void;
  /**
   * Paths of the objects whose keys get the wrong-type sweep: "" (the props themselves) and the
   * arguments of methods the builder calls. Keys the builder itself reads are listed in `extra`.
   */
  readonly typeRoots: readonly string[];
  /** Top-level keys that are not construct props but method calls of the builder. */
  readonly extra?: readonly string[];
}

export const REASON = "reviewed by the platform team, ticket OPS-1234";
const PROJECT = "example-project";
const SHA = "3f9c2ab";
const DIGEST = `sha256:${"a".repeat(64)}`;
const REGISTRY = `us-central1-docker.pkg.dev/${PROJECT}/trading-bot-repo`;
const VM_EMAIL = `vm@${PROJECT}.iam.gserviceaccount.com`;

/** A plain service account reference (its strings are swept, unlike a construct's). */
const plainAccount = (): Props => ({ email: VM_EMAIL, member: `serviceAccount:${VM_EMAIL}` });

/**
 * The VPC the consumers join: an existing one, so that each of the sweep's many builds does not
 * pay for creating a VPC, its NAT and DNS (the Network case sweeps those).
 */
function network(stack: PlatformStack, id = "net"): INetwork {
  return Network.fromAttributes(stack, id, {
    name: "vpc",
    projectId: PROJECT,
    subnets: [
      { region: "us-central1", name: "apps-central", cidr: "10.10.0.0/20" },
      { region: "us-east1", name: "apps-east", cidr: "10.11.0.0/20" },
    ],
    privateServicesAccess: { rangeName: "google-managed-services", cidr: "10.100.0.0/16" },
    firewallPolicyEnforcementOrder: "BEFORE_CLASSIC_FIREWALL",
  });
}

function account(stack: PlatformStack, id = "reader"): ServiceAccount {
  return new ServiceAccount(stack, id, { name: id });
}

const richVmFiles = (): Props[] => [
  {
    path: "/etc/nginx/conf.d/site.conf",
    content: "server {\n  listen 80;\n  server_name example.com;\n}\n",
    mode: "0644",
    reloadService: "nginx",
    onlyIfExists: "/etc/letsencrypt/live/example.com/fullchain.pem",
  },
  { path: "/opt/app/motd.txt", content: "Welcome to the trading bot", mode: "0600" },
];

const richServices = (): Props[] => [
  {
    name: "core-engine",
    image: `${REGISTRY}/core-engine:${SHA}`,
    env: { LOG_LEVEL: "info", DB_PASSWORD_SECRET: "trading-bot-db-password" },
    args: ["--strategies=momentum,mean-reversion", "--interval=5s"],
    memoryMax: "2G",
    memoryHigh: "1536M",
  },
  { name: "exchange-connector", image: { uri: `${REGISTRY}/exchange-connector@${DIGEST}` } },
];

const richDatabase = (): Props => ({
  name: "trading",
  projectId: PROJECT,
  databaseVersion: "POSTGRES_15",
  availabilityType: "REGIONAL",
  diskSizeGb: 20,
  diskType: "PD_SSD",
  diskAutoresize: true,
  backup: {
    enabled: true,
    pointInTimeRecovery: true,
    startTime: "03:00",
    location: "us",
    retainedBackups: 30,
    transactionLogRetentionDays: 7,
  },
  maintenanceWindow: { day: 7, hour: 4, updateTrack: "stable" },
  insights: {
    enabled: true,
    queryStringLength: 1024,
    recordApplicationTags: true,
    recordClientAddress: false,
  },
  passwordValidation: {
    minLength: 16,
    complexity: "COMPLEXITY_DEFAULT",
    reuseInterval: 5,
    disallowUsernameSubstring: true,
  },
  flags: { "pgaudit.log": "ddl,role", max_connections: 400, "cloudsql.future_flag": "on-demand" },
  allowUnknownFlags: { reason: REASON },
  databases: ["trading", "audit"],
  retainBackupsOnDelete: true,
  sslMode: "ENCRYPTED_ONLY",
  allowDeletion: { reason: REASON },
});

export const SWEEP_CASES: readonly SweepCase[] = [
  {
    construct: "Network",
    typeRoots: [""],
    props: () => ({
      name: "core",
      subnets: [
        {
          region: "us-central1",
          cidr: "10.10.0.0/20",
          secondaryRanges: [{ name: "pods", cidr: "10.20.0.0/16" }],
          flowLogs: {
            aggregationInterval: "INTERVAL_30_SEC",
            sampling: 0.5,
            metadata: "EXCLUDE_ALL_METADATA",
          },
          allowNonRfc1918: { reason: REASON },
        },
        { region: "us-east1", cidr: "100.64.0.0/20", allowNonRfc1918: { reason: REASON } },
      ],
      privateServicesAccess: { cidr: "10.100.0.0/16" },
      nat: true,
      routingMode: "REGIONAL",
      deleteDefaultInternetRoute: true,
      internetRoutes: ["203.0.113.0/24"],
      privateGoogleApisDns: true,
      firewallPolicyEnforcementOrder: "BEFORE_CLASSIC_FIREWALL",
    }),
    build: (stack, props) => {
      new Network(stack, "network", props as never);
    },
  },
  {
    construct: "Network.fromAttributes (name)",
    typeRoots: [""],
    props: () => ({
      name: "shared-vpc",
      projectId: "host-project-1",
      subnets: [
        {
          region: "us-central1",
          name: "apps-central",
          projectId: "host-project-1",
          cidr: "10.10.0.0/20",
          secondaryRanges: [{ name: "pods", cidr: "10.20.0.0/16" }],
        },
        {
          region: "us-east1",
          selfLink:
            "https://www.googleapis.com/compute/v1/projects/host-project-1/regions/us-east1/subnetworks/apps-east",
        },
      ],
      privateServicesAccess: { rangeName: "google-managed-services-shared", cidr: "10.100.0.0/16" },
      firewallPolicyEnforcementOrder: "AFTER_CLASSIC_FIREWALL",
    }),
    build: (stack, props) => {
      const vpc = Network.fromAttributes(stack, "vpc", props as never);
      // Consumers, so that what the attributes say reaches the JSON.
      new Firewall(stack, "firewall", {
        network: vpc,
        ingress: [{ name: "allow-app", ports: [8080], ranges: ["10.0.0.0/8"] }],
      });
      new CloudSqlPostgres(stack, "db", { network: vpc, region: vpc.regions[0] ?? "us-central1" });
    },
  },
  {
    construct: "Network.fromAttributes (selfLink)",
    typeRoots: [""],
    props: () => ({
      selfLink: "https://www.googleapis.com/compute/v1/projects/host-project-1/global/networks/vpc",
      subnets: [{ region: "us-central1", name: "apps-central" }],
    }),
    build: (stack, props) => {
      const vpc = Network.fromAttributes(stack, "vpc", props as never);
      new Firewall(stack, "firewall", {
        network: vpc,
        ingress: [{ name: "allow-app", ports: [8080], ranges: ["10.0.0.0/8"] }],
      });
    },
  },
  {
    construct: "Firewall",
    typeRoots: [""],
    props: (stack) => ({
      network: network(stack),
      name: "edge",
      targets: { serviceAccounts: [{ email: `bot@${PROJECT}.iam.gserviceaccount.com` }] },
      ssh: { from: ["iap", "203.0.113.0/24"], targets: { tags: ["bastion"] } },
      httpsEgress: [{ name: "exchanges", to: ["198.51.100.0/24"], targets: { tags: ["web"] } }],
      fqdnEgress: [{ name: "mirrors", hosts: ["deb.debian.org"], ports: [443, "8000-8100"] }],
      ingress: [
        {
          name: "allow-app",
          protocol: "tcp",
          ports: [8080, "9000-9100"],
          ranges: ["10.0.0.0/8", "google-health-checks"],
          description: "App traffic from the load balancer",
          priority: 900,
          targets: { tags: ["web"] },
        },
        {
          name: "allow-uptime",
          ports: [443],
          ranges: ["google-uptime-checkers"],
          description: "Uptime checks",
        },
        {
          name: "allow-admin-ui",
          ports: [8443],
          ranges: ["0.0.0.0/0"],
          description: "Admin UI behind its own login",
          allowWorld: { reason: REASON },
        },
      ],
      egress: [
        {
          name: "allow-dns",
          protocol: "udp",
          ports: [53],
          ranges: ["10.0.0.0/8"],
          description: "DNS to the resolvers",
          targets: { tags: ["web"] },
        },
      ],
      logMetadata: "INCLUDE_ALL_METADATA",
    }),
    build: (stack, props) => {
      new Firewall(stack, "firewall", props as never);
    },
  },
  {
    construct: "ServiceAccount",
    typeRoots: ["", "grants[0]"],
    extra: ["grants"],
    props: () => ({
      name: "bot",
      displayName: "Trading bot",
      description: "Runs the trading bot's containers",
      projectId: PROJECT,
      grants: [{ role: "roles/pubsub.publisher", reason: "publishes fills to the ledger topic" }],
    }),
    build: (stack, { grants, ...props }) => {
      const sa = new ServiceAccount(stack, "sa", props as never);
      for (const g of grants) sa.grantProjectRole(g.role, g.reason);
      sa.grantLogging();
    },
  },
  {
    construct: "Secret",
    typeRoots: [""],
    props: (stack) => ({
      name: "exchange-api-key",
      replication: { userManaged: { locations: ["us-central1", "us-east1"] } },
      rotation: { period: "2592000s", nextRotationTime: "2026-01-01T00:00:00Z" },
      topics: ["projects/acme-trading-prod/topics/secret-rotation"],
      accessors: [account(stack)],
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      new Secret(stack, "secret", props as never);
    },
  },
  {
    construct: "ArtifactRegistry",
    typeRoots: ["", "images[0]"],
    extra: ["images"],
    props: (stack) => ({
      name: "repo",
      region: "us-central1",
      format: "DOCKER",
      immutableTags: true,
      cleanup: { keepMostRecent: 10, deleteUntaggedAfterDays: 7 },
      cleanupDryRun: false,
      description: "Container images of the trading bot",
      projectId: PROJECT,
      readers: [account(stack)],
      allowDeletion: { reason: REASON },
      images: [
        { name: "core-engine", pin: { tag: SHA } },
        { name: "exchange-connector", pin: { digest: DIGEST } },
      ],
    }),
    build: (stack, { images, ...props }) => {
      const registry = new ArtifactRegistry(stack, "registry", props as never);
      (images as Props[]).forEach((image, i) => {
        const ref = registry.image(image.name, image.pin);
        new TerraformOutput(stack, `image-${i}`, { value: ref.uri, description: "pinned image" });
      });
    },
  },
  {
    construct: "Bucket",
    typeRoots: [""],
    props: () => ({
      name: "backups",
      location: "us-central1",
      storageClass: "STANDARD",
      versioning: true,
      lifecycle: {
        deleteAfterDays: 365,
        transitions: [{ afterDays: 30, storageClass: "NEARLINE" }],
        keepNoncurrentVersions: 5,
        deleteNoncurrentAfterDays: 30,
      },
      retention: { days: 30, locked: false },
      kmsKeyName: "projects/p/locations/us/keyRings/r/cryptoKeys/k",
      accessLogBucket: "test-dev-logs",
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      new Bucket(stack, "bucket", props as never);
    },
  },
  {
    construct: "Vm",
    typeRoots: [""],
    props: (stack) => ({
      name: "bot",
      zone: "us-central1-a",
      network: network(stack),
      region: "us-central1",
      machineType: "e2-standard-4",
      allowUnknownMachineType: { reason: REASON },
      serviceAccount: plainAccount(),
      bootDisk: { sizeGb: 50, type: "pd-balanced", image: "debian-cloud/debian-12" },
      externalIp: "static",
      networkTags: ["web", "bot"],
      services: richServices(),
      registryHost: "us-central1-docker.pkg.dev",
      opsAgent: true,
      allowDeletion: { reason: "review environment, destroyed when the branch merges" },
      hostPackages: ["nginx", "certbot"],
      files: richVmFiles(),
      enableUnits: ["nginx.service"],
    }),
    build: (stack, props) => {
      new Vm(stack, "vm", props as never);
    },
  },
  {
    construct: "CloudSqlPostgres",
    typeRoots: ["", "replicas[0]"],
    extra: ["replicas"],
    props: (stack) => ({
      ...richDatabase(),
      network: network(stack),
      region: "us-central1",
      tier: "db-custom-2-8192",
      iamUsers: [account(stack)],
      publicIp: {
        authorizedNetworks: [{ name: "office", cidr: "203.0.113.0/24" }],
        optOut: { reason: REASON },
      },
      replicas: [
        {
          region: "us-east1",
          tier: "db-custom-2-8192",
          name: "trading-dr",
          availabilityType: "ZONAL",
          purpose: "dr",
        },
      ],
    }),
    build: (stack, { replicas, ...props }) => {
      const db = new CloudSqlPostgres(stack, "db", props as never);
      for (const replica of replicas) db.addReplica(replica);
    },
  },
  {
    construct: "GkeCluster",
    typeRoots: ["", "authorizedNetworks[0]", "nodePools[0]", "bindings[0]"],
    extra: ["nodePools", "bindings"],
    props: (stack) => ({
      name: "gke",
      projectId: PROJECT,
      location: "us-central1",
      network: Network.fromAttributes(stack, "gke-net", {
        name: "vpc",
        projectId: PROJECT,
        subnets: [
          {
            region: "us-central1",
            name: "apps-central",
            secondaryRanges: [
              { name: "pods", cidr: "10.64.0.0/14" },
              { name: "services", cidr: "10.68.0.0/20" },
            ],
          },
        ],
      }),
      podsRangeName: "pods",
      servicesRangeName: "services",
      autopilot: false,
      releaseChannel: "STABLE",
      authorizedNetworks: [{ name: "office", cidr: "203.0.113.0/24" }],
      publicEndpoint: { reason: REASON },
      binaryAuthorization: true,
      allowDeletion: { reason: REASON },
      nodePools: [
        {
          name: "general",
          machineType: "e2-standard-4",
          minNodes: 1,
          maxNodes: 3,
          diskSizeGb: 100,
          diskType: "pd-ssd",
          spot: true,
          labels: { tier: "general" },
        },
      ],
      bindings: [{ namespace: "trading", name: "bot", email: VM_EMAIL }],
    }),
    build: (stack, { nodePools, bindings, ...props }) => {
      const gke = new GkeCluster(stack, "gke", props as never);
      for (const p of nodePools) gke.addNodePool(p);
      for (const b of bindings)
        gke.bindWorkloadIdentity(
          { email: b.email, member: `serviceAccount:${b.email}` },
          b.namespace,
          b.name,
        );
    },
  },
  {
    construct: "Monitoring",
    typeRoots: ["", "thresholdAlerts[0]", "absenceAlerts[0]", "uptimeChecks[0]"],
    extra: ["thresholdAlerts", "absenceAlerts", "uptimeChecks"],
    props: () => ({
      emails: ["oncall@example.com"],
      webhooks: [
        {
          name: "telegram",
          url: "https://relay.example.com/telegram?chat=ops",
          authTokenSecret: { secretId: "projects/p/secrets/relay-token" },
        },
      ],
      pagerDuty: { integrationKeySecret: { secretId: "projects/p/secrets/pagerduty-key" } },
      thresholdAlerts: [
        {
          name: "sql-cpu",
          title: "Cloud SQL CPU above 80 %",
          severity: "high",
          filter: 'metric.type="cloudsql.googleapis.com/database/cpu/utilization"',
          comparison: "COMPARISON_GT",
          threshold: 0.8,
          durationSeconds: 300,
          aligner: "ALIGN_MEAN",
          alignmentSeconds: 60,
          runbook: "Check slow queries in Query Insights, then the connection count.",
        },
      ],
      absenceAlerts: [
        {
          name: "vm-down",
          title: "Trading VM stopped reporting",
          severity: "critical",
          filter: 'metric.type="compute.googleapis.com/instance/uptime"',
          durationSeconds: 300,
          runbook: "Open the serial console and check the startup script's log.",
        },
      ],
      uptimeChecks: [
        {
          name: "api",
          projectId: PROJECT,
          host: "api.example.com",
          path: "/health",
          port: 443,
          useSsl: true,
          severity: "critical",
        },
      ],
    }),
    build: (stack, { thresholdAlerts, absenceAlerts, uptimeChecks, ...props }) => {
      const m = new Monitoring(stack, "monitoring", props as never);
      for (const a of thresholdAlerts) m.thresholdAlert(a);
      for (const a of absenceAlerts) m.absenceAlert(a);
      for (const c of uptimeChecks) m.uptimeCheck(c);
    },
  },
  {
    construct: "CloudBuildPipeline",
    typeRoots: ["", "github"],
    props: (stack) => {
      const net = network(stack);
      const registry = new ArtifactRegistry(stack, "registry", {
        name: "repo",
        region: "us-central1",
        projectId: PROJECT,
      });
      const releaseRecord = new Bucket(stack, "releases", {
        name: "releases",
        location: "us-central1",
      });
      const vm = new Vm(stack, "vm", {
        name: "bot",
        zone: "us-central1-a",
        network: net,
        machineType: "e2-standard-4",
        serviceAccount: { email: VM_EMAIL, member: `serviceAccount:${VM_EMAIL}` },
        services: ["core-engine", "strategy-worker"].map((name) => ({
          name,
          image: registry.image(name, { tag: SHA }),
        })),
        releaseRecord,
      });
      return {
        name: "ship",
        github: { owner: "acme", repository: "trading-bot", connection: "github-acme" },
        branch: "release/1.2",
        services: ["core-engine", "strategy-worker"],
        registry,
        releaseRecord,
        vms: [vm],
        allowWithoutApproval: { reason: "review environment, builds without approval, OPS-1" },
        location: "us-central1",
        buildConfig: "cloudbuild.yaml",
      };
    },
    build: (stack, props) => {
      new CloudBuildPipeline(stack, "pipeline", props as never);
    },
  },
  {
    construct: "RegionalPlatform",
    typeRoots: ["", "primary", "vm", "database"],
    props: (stack) => ({
      network: network(stack),
      primary: {
        region: "us-central1",
        zone: "us-central1-b",
        machineType: "e2-standard-4",
        databaseTier: "db-custom-4-16384",
      },
      backups: [
        {
          region: "us-east1",
          zone: "us-east1-c",
          machineType: "e2-standard-2",
          databaseTier: "db-custom-2-8192",
        },
      ],
      // The Vm and CloudSqlPostgres cases sweep these props in full; here a few of each show that
      // the platform hands them on, so that the sweep stays fast.
      vm: {
        serviceAccount: plainAccount(),
        services: [
          {
            name: "core-engine",
            image: `${REGISTRY}/core-engine:${SHA}`,
            env: { LOG_LEVEL: "info" },
            args: ["--interval=5s"],
          },
        ],
        networkTags: ["web"],
        hostPackages: ["nginx"],
        files: [{ path: "/opt/app/motd.txt", content: "Welcome", reloadService: "nginx" }],
      },
      database: {
        name: "trading",
        projectId: PROJECT,
        backup: { startTime: "03:00", location: "us" },
        flags: { "pgaudit.log": "ddl,role" },
        databases: ["trading"],
      },
    }),
    build: (stack, props) => {
      new RegionalPlatform(stack, "platform", props as never);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// AWS and Kubernetes
// ---------------------------------------------------------------------------------------------

const ACCOUNT = "111122223333";
const OIDC_ISSUER = "oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const KEY_ARN = `arn:aws:kms:ap-northeast-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** An existing VPC by its attributes: a construct reference, so its ids are not swept. */
function awsVpc(stack: PlatformStack, id = "aws-vpc", region = "ap-northeast-2"): IVpc {
  return Object.assign(new Construct(stack, id), {
    vpcId: "vpc-0123456789abcdef0",
    cidr: "10.20.0.0/16",
    availabilityZones: [`${region}a`, `${region}c`],
    publicSubnetIds: ["subnet-0aaa", "subnet-0ccc"],
    privateSubnetIds: ["subnet-1aaa", "subnet-1ccc"],
    isolatedSubnetIds: ["subnet-2aaa", "subnet-2ccc"],
  });
}

function awsGroup(stack: PlatformStack, id = "api-sg"): SecurityGroup {
  return new SecurityGroup(stack, id, {
    vpc: awsVpc(stack, `${id}-vpc`),
    description: "api tasks",
  });
}

function awsRole(stack: PlatformStack, id = "api-task"): IamRole {
  return new IamRole(stack, id, {
    assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
    description: "Task role of the api service",
  });
}

export const AWS_SWEEP_CASES: readonly SweepCase[] = [
  {
    construct: "Vpc",
    typeRoots: ["", "flowLogs"],
    props: () => ({
      name: "core",
      region: "ap-northeast-2",
      cidr: "10.30.0.0/16",
      availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"],
      publicSubnetCidrs: ["10.30.0.0/26", "10.30.0.64/26"],
      privateSubnetCidrs: ["10.30.16.0/20", "10.30.32.0/20"],
      isolatedSubnetCidrs: ["10.30.1.0/24", "10.30.2.0/24"],
      natGateways: "single",
      flowLogs: { retentionDays: 365 },
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      new Vpc(stack, "vpc", props as never);
    },
  },
  {
    construct: "Vpc.fromAttributes",
    typeRoots: [""],
    props: () => ({
      vpcId: "vpc-0a1b2c3d4e5f60718",
      cidr: "10.40.0.0/16",
      azs: ["ap-northeast-2a", "ap-northeast-2b"],
      publicSubnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
      privateSubnetIds: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"],
      isolatedSubnetIds: ["subnet-0a1b2c3d4e5f60005", "subnet-0a1b2c3d4e5f60006"],
    }),
    build: (stack, props) => {
      const vpc = Vpc.fromAttributes(stack, "shared-vpc", props as never);
      new SecurityGroup(stack, "api", { vpc, description: "API servers" });
      new RdsPostgres(stack, "db", { vpc });
    },
  },
  {
    construct: "SecurityGroup",
    typeRoots: ["", "allowFrom[0]", "allowTo[0]"],
    extra: ["allowFrom", "allowTo"],
    props: (stack) => ({
      vpc: awsVpc(stack),
      name: "web",
      description: "Web servers (tcp 443) #1",
      allowAllOutbound: { reason: REASON },
      allowFrom: [
        {
          peer: ["203.0.113.0/24", "198.51.100.0/25"],
          port: 443,
          description: "HTTPS from partners",
        },
        {
          peer: ["0.0.0.0/1", "128.0.0.0/1"],
          port: { from: 8000, to: 8100 },
          description: "Admin UI behind its own login",
          options: { protocol: "tcp", allowWorld: { reason: REASON } },
        },
      ],
      allowTo: [{ prefixList: "pl-0123456789abcdef0", port: 443, description: "S3 endpoint" }],
    }),
    build: (stack, { allowFrom, allowTo, ...props }) => {
      const sg = new SecurityGroup(stack, "sg", props as never);
      for (const r of allowFrom) sg.allowFrom(Peer.cidrs(r.peer), r.port, r.description, r.options);
      for (const r of allowTo) sg.allowTo(Peer.prefixList(r.prefixList), r.port, r.description);
    },
  },
  {
    construct: "S3Bucket",
    typeRoots: ["", "lifecycleRules[0]"],
    props: (stack) => ({
      name: "acme-reports-test",
      kmsKey: { keyArn: KEY_ARN },
      lifecycleRules: [
        {
          id: "reports",
          prefix: "daily/",
          transitions: [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 180, storageClass: "GLACIER" },
          ],
          expirationDays: 730,
          noncurrentVersionExpirationDays: 30,
        },
      ],
      accessLogs: {
        bucket: new S3Bucket(stack, "logs", { receivesAccessLogs: true }),
        prefix: "reports/",
      },
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      const bucket = new S3Bucket(stack, "bucket", props as never);
      bucket.grantRead(awsRole(stack));
    },
  },
  {
    construct: "StaticSite",
    typeRoots: [""],
    props: (stack) => ({
      bucketName: "acme-www-site",
      certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab`,
      aliases: ["www.example.com", "example.com"],
      defaultRootObject: "index.html",
      priceClass: "PriceClass_200",
      minTtl: 0,
      defaultTtl: 300,
      maxTtl: 86400,
      accessLogs: {
        bucket: new S3Bucket(stack, "logs", { receivesAccessLogs: true }),
        prefix: "www/",
      },
      webAclArn: `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/webacl/www/a1b2c3d4`,
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      new StaticSite(stack, "www", props as never);
    },
  },
  {
    construct: "KmsKey",
    typeRoots: [""],
    props: () => ({
      name: "data",
      description: "Databases and secrets of the signal factory",
      services: ["rds", "secretsmanager"],
      deletionWindowDays: 14,
      rotationPeriodDays: 180,
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      const key = new KmsKey(stack, "key", props as never);
      key.grantDecrypt(awsRole(stack));
    },
  },
  {
    construct: "IamRole",
    typeRoots: ["", "statements[0]"],
    props: () => ({
      assumedBy: FederatedPrincipal(`arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC_ISSUER}`, {
        StringEquals: {
          [`${OIDC_ISSUER}:sub`]: "system:serviceaccount:ingest:worker",
          [`${OIDC_ISSUER}:aud`]: "sts.amazonaws.com",
        },
      }),
      description: "Ingest workers on EKS",
      name: "test-dev-ingest",
      path: "/workloads/",
      managedPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"],
      permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/workload-boundary`,
      maxSessionDuration: 7200,
      statements: [
        {
          sid: "ReadReports",
          effect: "Allow",
          actions: ["s3:GetObject"],
          resources: ["arn:aws:s3:::acme-reports/daily/*"],
          conditions: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
        },
      ],
    }),
    build: (stack, props) => {
      new IamRole(stack, "role", props as never);
    },
  },
  {
    construct: "IamRole (account root)",
    typeRoots: [""],
    props: () => ({
      assumedBy: AccountRootPrincipal("444455556666", {
        Bool: { "aws:MultiFactorAuthPresent": "true" },
        StringEquals: { "sts:ExternalId": "acme-monitoring" },
      }),
      description: "Break-glass access of the security account, MFA only",
      managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
      allowAdminPolicies: { reason: REASON },
    }),
    build: (stack, props) => {
      new IamRole(stack, "role", props as never);
    },
  },
  {
    construct: "SecretsManagerSecret",
    typeRoots: [""],
    props: () => ({
      name: "signal-factory/test/database",
      description: "Database URL of the api; put by the on-call",
      kmsKey: { keyArn: KEY_ARN },
      recoveryWindowDays: 7,
      rotation: { lambdaArn: `arn:aws:lambda:ap-northeast-2:${ACCOUNT}:function:rotate`, days: 30 },
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      const secret = new SecretsManagerSecret(stack, "secret", props as never);
      secret.grantRead(awsRole(stack));
    },
  },
  {
    construct: "RdsPostgres",
    typeRoots: ["", "replicas[0]"],
    extra: ["replicas"],
    props: (stack) => ({
      vpc: awsVpc(stack),
      name: "ledger",
      engineVersion: "16",
      instanceClass: "db.r6g.large",
      allocatedStorage: 50,
      maxAllocatedStorage: 500,
      multiAz: true,
      kmsKey: { keyArn: KEY_ARN },
      allowFrom: [awsGroup(stack)],
      backupRetentionDays: 14,
      backupWindow: "18:00-19:00",
      maintenanceWindow: "sun:20:00-sun:21:00",
      performanceInsightsRetentionDays: 7,
      monitoringInterval: 60,
      parameters: {
        log_min_duration_statement: 1000,
        shared_preload_libraries: "pg_stat_statements",
        "rds.future_setting": "on",
      },
      allowUnknownParameters: { reason: REASON },
      masterUsername: "ledger_admin",
      databaseName: "ledger",
      allowDeletion: { reason: REASON },
      replicas: [{ region: "us-west-2", name: "ledger-dr", instanceClass: "db.r6g.large" }],
    }),
    build: (stack, { replicas, ...props }) => {
      const db = new RdsPostgres(stack, "db", props as never);
      db.grantConnect(awsRole(stack), "api");
      for (const r of replicas) {
        db.addReplica({
          ...r,
          provider: new AwsProvider(stack, "dr", { region: "us-west-2", alias: "dr" }),
          vpc: awsVpc(stack, "dr-vpc", "us-west-2"),
        });
      }
    },
  },
  {
    construct: "RedisReplicationGroup",
    typeRoots: [""],
    props: (stack) => ({
      vpc: awsVpc(stack),
      name: "test-dev-cache",
      subnets: "private",
      allowFrom: [awsGroup(stack)],
      engineVersion: "7.1",
      nodeType: "cache.r7g.large",
      nodes: 3,
      kmsKey: { keyArn: KEY_ARN },
      snapshotRetentionDays: 7,
      snapshotWindow: "18:00-19:00",
      maintenanceWindow: "sun:20:00-sun:21:00",
      accessString: "on ~app:* +@read +@write",
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      const cache = new RedisReplicationGroup(stack, "cache", props as never);
      cache.grantConnect(awsRole(stack));
    },
  },
  {
    construct: "EcrRepository",
    typeRoots: ["", "lifecycle"],
    props: () => ({
      name: "api",
      encryptionKey: { keyArn: KEY_ARN },
      lifecycle: { keepLastImages: 50, untaggedExpiryDays: 3 },
      allowDeletion: { reason: REASON },
    }),
    build: (stack, props) => {
      const repo = new EcrRepository(stack, "repo", props as never);
      repo.grantPull(awsRole(stack));
    },
  },
  {
    construct: "EcsFargateService",
    typeRoots: ["", "image"],
    props: (stack) => ({
      name: "api",
      vpc: awsVpc(stack),
      clusterName: "production-cluster",
      image: { repository: new EcrRepository(stack, "repo", { name: "api" }), tag: "1.4.2" },
      cpu: 512,
      memory: 1024,
      cpuArchitecture: "ARM64",
      containerPort: 8080,
      allowFrom: [awsGroup(stack)],
      environment: { LOG_LEVEL: "info", REGION: "ap-northeast-2" },
      secrets: {
        DATABASE_URL: {
          secretArn: `arn:aws:secretsmanager:ap-northeast-2:${ACCOUNT}:secret:prod/db-AbCdEf`,
        },
      },
      command: ["serve", "--port=8080"],
      desiredCount: 3,
      logRetentionDays: 30,
      httpsEgressCidrs: ["203.0.113.0/24"],
      allowWritableRootFilesystem: { reason: REASON },
    }),
    build: (stack, props) => {
      new EcsFargateService(stack, "svc", props as never);
    },
  },
  {
    construct: "EksCluster",
    typeRoots: ["", "publicEndpoint", "nodeGroups[0]"],
    extra: ["nodeGroups", "serviceAccounts"],
    props: (stack) => ({
      vpc: awsVpc(stack),
      name: "eks",
      secretsKey: { keyArn: KEY_ARN },
      logRetentionDays: 30,
      admins: [{ roleArn: `arn:aws:iam::${ACCOUNT}:role/platform-deploy` }],
      publicEndpoint: { cidrs: ["203.0.113.0/24"], optOut: { reason: REASON } },
      allowDeletion: { reason: REASON },
      nodeGroups: [
        {
          name: "batch",
          capacityType: "SPOT",
          instanceTypes: ["m7i.xlarge", "m6i.xlarge"],
          minSize: 0,
          maxSize: 20,
          diskSize: 100,
        },
      ],
      serviceAccounts: [{ namespace: "trading", name: "bot" }],
    }),
    build: (stack, { nodeGroups, serviceAccounts, ...props }) => {
      const eks = new EksCluster(stack, "eks", props as never);
      for (const g of nodeGroups) eks.addNodeGroup(g);
      for (const a of serviceAccounts) eks.serviceAccountRole(a.namespace, a.name);
    },
  },
];

/** A Workload's image, resources and probes: the props every workload needs. */
const workloadBase = (name: string): Props => ({
  namespace: "shop",
  name,
  image: `registry.example.com/shop/${name}:1.4.2`,
  containerPort: 8080,
  resources: {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
  },
  probes: { liveness: { path: "/healthz" }, readiness: { path: "/ready" } },
  service: { port: 80 },
});

/**
 * Workloads the swept one talks to: construct references, so their props are not swept (the
 * Workload case sweeps them).
 */
function peerWorkloads(stack: PlatformStack): { web: Workload; db: Workload } {
  return {
    web: new Workload(stack, "web", workloadBase("web") as never),
    db: new Workload(stack, "db", { ...workloadBase("db"), namespace: "data" } as never),
  };
}

/** Props that a scaled workload and a singleton share, every one of them given. */
const richWorkload = (): Props => ({
  namespace: "shop",
  name: "api",
  image: "registry.example.com/shop/api@sha256:" + "b".repeat(64),
  command: ["/app/api", "serve"],
  args: ["--listen=:8080", "--log-format=json"],
  containerPorts: [
    { port: 8080, name: "http", protocol: "TCP" },
    { port: 9090, name: "metrics" },
  ],
  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  probes: {
    liveness: { path: "/healthz", port: "http", periodSeconds: 10, timeoutSeconds: 2 },
    readiness: { path: "/ready", port: 8080, failureThreshold: 3, initialDelaySeconds: 5 },
    startup: { command: ["/app/api", "check", "--startup"], periodSeconds: 5 },
  },
  env: { LOG_LEVEL: "info", REGION: "europe-west1" },
  secretEnv: { DATABASE_URL: { secretName: "api-database", key: "url" } },
  service: {
    port: 443,
    targetPort: "http",
    type: "LoadBalancer",
    loadBalancer: {
      sourceRanges: ["0.0.0.0/1", "128.0.0.0/1"],
      reason: REASON,
      allowWorld: { reason: REASON },
      internal: "gke",
      annotations: { "cloud.google.com/l4-rbs": "enabled" },
    },
  },
  writablePaths: ["/var/cache/api", "/tmp"],
  serviceAccount: {
    annotations: { "iam.gke.io/gcp-service-account": `api@${PROJECT}.iam.gserviceaccount.com` },
  },
  automountServiceAccountToken: true,
  runAsUser: 10001,
  labels: { team: "storefront", "app.kubernetes.io/part-of": "shop" },
  ingressController: {
    namespace: "ingress-nginx",
    podLabels: { "app.kubernetes.io/name": "ingress-nginx" },
  },
});

/** The flows of the swept workload: every kind of peer `allowFrom` and `allowTo` take. */
const richFlows = (stack: PlatformStack): Props => {
  const { web, db } = peerWorkloads(stack);
  return {
    allowFrom: [
      { peer: "ingress-controller", port: "http" },
      { peer: { name: "monitoring" }, port: "metrics" },
      { peer: web, port: 8080 },
    ],
    allowTo: [
      { peer: "dns" },
      { peer: "internet-https", port: 443 },
      { peer: { cidrs: ["203.0.113.0/24", "2001:db8::/32"], ports: [443, 8443], protocol: "TCP" } },
      { peer: { cidrs: ["0.0.0.0/0"], ports: [9443], allowWorld: { reason: REASON } } },
      { peer: { name: "cache" }, port: 6379 },
      { peer: db, port: 8080 },
    ],
  };
};

/** Calls a workload's `allowFrom` and `allowTo` with the flows of the props. */
function addFlows(workload: Workload, allowFrom: Props[], allowTo: Props[]): void {
  for (const f of allowFrom) workload.allowFrom(f.peer, f.port);
  for (const f of allowTo) workload.allowTo(f.peer, f.port);
}

/** Where the wrong-type sweep reaches into the flows: each call's arguments, and a CIDR peer. */
const FLOW_TYPE_ROOTS = [
  "allowFrom[0]",
  "allowFrom[1]",
  "allowFrom[1].peer",
  "allowTo[1]",
  "allowTo[2].peer",
  "allowTo[3].peer",
  "allowTo[4]",
] as const;

export const K8S_SWEEP_CASES: readonly SweepCase[] = [
  {
    construct: "Namespace",
    typeRoots: ["", "quota", "limits"],
    props: () => ({
      name: "shop",
      labels: { team: "storefront", "app.kubernetes.io/part-of": "shop" },
      podSecurityVersion: "v1.30",
      quota: {
        cpu: "8",
        memory: "16Gi",
        limitsCpu: "16",
        limitsMemory: "32Gi",
        pods: 100,
        services: 20,
        persistentVolumeClaims: 10,
        storage: "500Gi",
        loadBalancers: 0,
        nodePorts: 0,
      },
      limits: {
        defaultRequest: { cpu: "100m", memory: "128Mi" },
        default: { cpu: "500m", memory: "512Mi" },
        max: { cpu: "4", memory: "8Gi" },
      },
    }),
    build: (stack, props) => {
      new Namespace(stack, "ns", props as never);
    },
  },
  {
    construct: "Ingress",
    typeRoots: ["", "tls"],
    props: () => ({
      namespace: "shop",
      name: "storefront",
      className: "nginx",
      tls: { secretName: "storefront-tls", issuer: "letsencrypt-prod" },
      rules: [
        {
          host: "shop.example.com",
          paths: [
            { path: "/", backend: { serviceName: "web", port: 80 } },
            { path: "/api", backend: { serviceName: "api", port: "http" } },
            { path: "/healthz", pathType: "Exact", backend: { serviceName: "web", port: 80 } },
          ],
        },
        { host: "admin.example.com", backend: { serviceName: "admin", port: 8080 } },
      ],
      rateLimit: 20,
      bodySize: "10m",
    }),
    build: (stack, props) => {
      new Ingress(stack, "ingress", props as never);
    },
  },
  {
    construct: "Workload",
    typeRoots: [
      "",
      "containerPorts[1]",
      "resources.requests",
      "probes",
      "probes.liveness",
      "probes.startup",
      "secretEnv.DATABASE_URL",
      "service",
      "service.loadBalancer",
      "serviceAccount",
      "ingressController",
      "autoscaling",
      "autoscaling.scaleUp",
      "autoscaling.scaleUp.policies[0]",
      "disruption",
      "rollingUpdate",
      "spread",
      ...FLOW_TYPE_ROOTS,
    ],
    extra: ["allowFrom", "allowTo"],
    props: (stack) => ({
      ...richWorkload(),
      autoscaling: {
        min: 3,
        max: 12,
        cpuPercent: 70,
        memoryPercent: 80,
        scaleUp: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: "Pods", value: 4, periodSeconds: 60 }],
          selectPolicy: "Max",
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
        },
        selectPolicy: "Min",
      },
      disruption: { minAvailable: "50%" },
      rollingUpdate: { maxSurge: 2, maxUnavailable: 1 },
      spread: { across: "zone", mode: "required" },
      ...richFlows(stack),
    }),
    build: (stack, { allowFrom, allowTo, ...props }) => {
      addFlows(new Workload(stack, "workload", props as never), allowFrom, allowTo);
    },
  },
  {
    construct: "Workload.singleton",
    typeRoots: ["", "probes.readiness", "service", ...FLOW_TYPE_ROOTS],
    extra: ["allowFrom", "allowTo"],
    props: (stack) => ({ ...richWorkload(), name: "scheduler", ...richFlows(stack) }),
    build: (stack, { allowFrom, allowTo, ...props }) => {
      addFlows(Workload.singleton(stack, "scheduler", props as never), allowFrom, allowTo);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Walking props
// ---------------------------------------------------------------------------------------------

export type PathKey = string | number;

/** `subnets[0].cidr` */
export function formatPath(keys: readonly PathKey[]): string {
  return keys
    .map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`))
    .join("")
    .replace(/^\./, "");
}

/** A construct (or anything with a construct node): passed by reference, never swept. */
export function isConstructRef(value: unknown): boolean {
  return typeof value === "object" && value !== null && "node" in value;
}

function isPlainObject(value: unknown): value is Props {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Paths of every string leaf, skipping construct references. */
export function stringLeaves(value: unknown, at: PathKey[] = []): PathKey[][] {
  if (typeof value === "string") return [at];
  if (isConstructRef(value)) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, i]));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  }
  return [];
}

export function getAt(root: unknown, keys: readonly PathKey[]): unknown {
  return keys.reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), root);
}

export function setAt(root: Props, keys: readonly PathKey[], value: unknown): void {
  const parent = getAt(root, keys.slice(0, -1)) as Props;
  parent[keys[keys.length - 1] as string] = value;
}

/** `"thresholdAlerts[0]"` → `["thresholdAlerts", 0]` */
export function parsePath(text: string): PathKey[] {
  if (text === "") return [];
  return text.split(/\.|(?=\[)/).map((p) => (p.startsWith("[") ? Number(p.slice(1, -1)) : p));
}

/** Wrong-type values for a prop, by the type of its valid value. */
export function wrongTypesFor(
  value: unknown,
): { readonly label: string; readonly value: unknown }[] {
  const nul = { label: "null", value: null };
  if (isConstructRef(value)) return [nul, { label: "a number", value: 42 }];
  if (typeof value === "string") return [{ label: "a number", value: 42 }, nul];
  if (typeof value === "boolean") return [{ label: 'the string "true"', value: "true" }, nul];
  if (typeof value === "number") return [{ label: 'the string "30"', value: "30" }, nul];
  if (Array.isArray(value)) return [{ label: "a string", value: "x" }, nul];
  if (isPlainObject(value)) return [{ label: "an array", value: [] }, nul];
  return [];
}

/**
 * Whether a ValidationError's message names the property: the leaf's path or a tail of it
 * (`cidr`, `subnets[0].cidr`), or a tail of the path of the object holding it (`services[1].image`
 * for `services[1].image.uri`), as a construct nested in another names its own props.
 */
export function namesProperty(message: string, keys: readonly PathKey[]): boolean {
  const tails = (path: readonly PathKey[]): string[] =>
    path.flatMap((k, i) => (typeof k === "string" ? [formatPath(path.slice(i))] : []));
  const candidates = [...tails(keys), ...tails(keys.slice(0, -1))];
  return candidates.some((c) =>
    new RegExp(`(^|[^A-Za-z0-9_])${escapeRegex(c)}(?![A-Za-z0-9_])`).test(message),
  );
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---------------------------------------------------------------------------------------------
// Judging one build
// ---------------------------------------------------------------------------------------------

export type Outcome =
  | { readonly kind: "refused"; readonly error: ValidationError }
  | { readonly kind: "synthesized"; readonly json: string }
  | { readonly kind: "crashed"; readonly error: unknown };

/** Builds a case in a fresh stack, with `mutate` applied to its props, and synthesizes it. */
export function runCase(sweep: SweepCase, mutate: (props: Props) => void): Outcome {
  return withoutStackTraces(() => buildAndSynth(sweep, mutate));
}

/**
 * Runs `fn` with stack traces switched off. cdktf captures a full stack trace for every token it
 * creates (and constructs for every metadata entry); under jest each one is mapped through source
 * maps, which is most of the time of a build. The sweep's thousand builds read error messages
 * only, so the traces are not needed there.
 */
export function withoutStackTraces<T>(fn: () => T): T {
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = () => "";
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

function buildAndSynth(sweep: SweepCase, mutate: (props: Props) => void): Outcome {
  try {
    const stack = testStack();
    const props = sweep.props(stack);
    mutate(props);
    sweep.build(stack, props);
    return { kind: "synthesized", json: Testing.synth(stack) };
  } catch (error) {
    if (error instanceof ValidationError) return { kind: "refused", error };
    return { kind: "crashed", error };
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split("\n")[0]}`;
  return String(error);
}

/** Terraform sequences left unescaped in a synthesized JSON text. */
export const UNESCAPED_INTERPOLATION = /(?<!\$)\$\{file/;
export const UNESCAPED_DIRECTIVE = /(?<!%)%\{ if/;

/** The startup scripts of every instance in a synthesized JSON, as the VM receives them. */
export function startupScripts(json: string): string[] {
  const parsed = JSON.parse(json) as {
    resource?: Record<string, Record<string, { metadata?: Record<string, string> }>>;
  };
  return Object.values(parsed.resource?.google_compute_instance ?? {})
    .map((i) => i.metadata?.["startup-script"])
    .filter((s): s is string => typeof s === "string")
    .map(unescapeTerraform);
}

/** What Terraform makes of an escaped string: `$${` → `${`, `%%{` → `%{`. */
export function unescapeTerraform(text: string): string {
  return text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/**
 * The lines of a shell script where `needle` occurs outside a quoted heredoc body and outside
 * single quotes, i.e. where the shell would read it as code.
 */
export function unquotedOccurrences(script: string, needle: string): string[] {
  const found: string[] = [];
  let heredoc: { end: string; quoted: boolean } | undefined;
  for (const line of script.split("\n")) {
    if (heredoc !== undefined) {
      if (line === heredoc.end) heredoc = undefined;
      // A quoted heredoc's body is not expanded; an unquoted one's is, quotes or not.
      else if (!heredoc.quoted && /[$`]/.test(needle) && line.includes(needle)) found.push(line);
      continue;
    }
    if (stripSingleQuoted(line).includes(needle)) found.push(line);
    const start = /<<-?\s*(['"]?)([A-Za-z_][\w-]*)\1/.exec(line);
    if (start) heredoc = { end: start[2], quoted: start[1] !== "" };
  }
  return found;
}

/** The line with every single-quoted region (outside double quotes) cut out. */
function stripSingleQuoted(line: string): string {
  let out = "";
  let inSingle = false;
  let inDouble = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inSingle) {
      if (c === "'") inSingle = false;
      continue;
    }
    if (c === "\\" && i + 1 < line.length) {
      out += c + line[i + 1];
      i++;
      continue;
    }
    if (c === '"') inDouble = !inDouble;
    if (c === "'" && !inDouble) {
      inSingle = true;
      out += "''";
      continue;
    }
    out += c;
  }
  return out;
}

export const hasShellcheck = spawnSync("which", ["shellcheck"]).status === 0;

/**
 * Runs `bash -n` on each script and `shellcheck -S warning` on all of them in one process;
 * returns the problems found, by script index.
 */
export function checkScripts(scripts: readonly string[]): { index: number; problem: string }[] {
  if (scripts.length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boundary-scripts-"));
  try {
    const files = scripts.map((s, i) => {
      const file = path.join(dir, `script-${i}.sh`);
      fs.writeFileSync(file, s);
      return file;
    });
    const problems: { index: number; problem: string }[] = [];
    files.forEach((file, index) => {
      const r = spawnSync("bash", ["-n", file], { encoding: "utf8" });
      if (r.status !== 0) problems.push({ index, problem: `bash -n: ${r.stderr.trim()}` });
    });
    if (hasShellcheck) {
      const r = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-f", "gcc", ...files], {
        encoding: "utf8",
      });
      for (const line of r.stdout.split("\n").filter(Boolean)) {
        const index = files.findIndex((f) => line.startsWith(`${f}:`));
        problems.push({ index, problem: `shellcheck: ${line.slice(files[index]?.length ?? 0)}` });
      }
    }
    return problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
