import { Construct } from "constructs";
import { z } from "zod";
import { Annotations, Fn, Token } from "cdktf";
import {
  KubernetesProvider,
  type KubernetesProviderConfig,
} from "@cdktf/provider-kubernetes/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { coversWholeInternet } from "../../vocabulary/ranges";
import { parseCidr } from "../core/cidr";
import { invalid } from "../core/errors";
import { isDnsLabel, isDnsSubdomain } from "../core/kubernetes-names";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { checkName } from "../core/naming";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkOptions,
  checkedBy,
  checkProps,
  constructRef,
  missingCheckedBy,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkArn, checkAwsRegion } from "./common";
import { whole } from "../core/checks";
import { LOG_RETENTION_DAYS, oneOf } from "./ecs";
import { FederatedPrincipal, IamRole, ServicePrincipal } from "./iam";
import type { IKmsKey, IVpc } from "./interfaces";

/**
 * Kubernetes versions EKS gives standard support for, as of the AWS provider this library pins
 * (oldest first). The default is the newest.
 */
export const EKS_STANDARD_VERSIONS = ["1.29", "1.30", "1.31", "1.32", "1.33"] as const;
/**
 * Versions past the end of standard support that EKS still runs under extended support (at an
 * extra hourly charge, and without upstream fixes): only with `allowExtendedSupport: { reason }`.
 */
export const EKS_EXTENDED_VERSIONS = ["1.25", "1.26", "1.27", "1.28"] as const;

/** The control-plane log types, all of which the cluster sends to CloudWatch. */
export const EKS_LOG_TYPES = [
  "api",
  "audit",
  "authenticator",
  "controllerManager",
  "scheduler",
] as const;

const AMI_TYPES = [
  "AL2023_x86_64_STANDARD",
  "AL2023_ARM_64_STANDARD",
  "BOTTLEROCKET_x86_64",
  "BOTTLEROCKET_ARM_64",
] as const;
type AmiType = (typeof AMI_TYPES)[number];

const POLICY = "arn:aws:iam::aws:policy";
const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/** An IAM role by ARN: a role construct, or `{ roleArn }` for an existing (SSO) role. */
export interface IRoleRef {
  readonly roleArn: string;
}

/** A public API endpoint, reachable from the listed ranges only. */
export interface EksPublicEndpoint {
  /** IPv4 ranges allowed to reach the public endpoint; together never the whole internet. */
  readonly cidrs: readonly string[];
  /** Why the API needs a public endpoint (recorded as `eks-public-endpoint`). */
  readonly optOut: OptOut;
}

export interface EksClusterProps {
  /** Short name; the cluster is `${prefix}-${name}`. @default "eks" */
  readonly name?: string;
  /** The VPC; the control plane's network interfaces and the nodes go in its private subnets. */
  readonly vpc: IVpc;
  /**
   * Kubernetes version, one of {@link EKS_STANDARD_VERSIONS}; a version of
   * {@link EKS_EXTENDED_VERSIONS} needs {@link allowExtendedSupport}. @default "1.33"
   */
  readonly version?: string;
  /**
   * Run a version past the end of standard support, with a reason (recorded as
   * `eks-extended-support`; the cluster's upgrade policy becomes `EXTENDED`).
   * @default undefined (refused)
   */
  readonly allowExtendedSupport?: OptOut;
  /**
   * The KMS key that envelope-encrypts Kubernetes secrets. The principal that deploys needs
   * `kms:CreateGrant` and `kms:DescribeKey` on it.
   * @default a new key with yearly rotation, protected like the cluster
   */
  readonly secretsKey?: IKmsKey;
  /** Days the control-plane logs are kept (a CloudWatch retention value). @default 90 */
  readonly logRetentionDays?: number;
  /**
   * Roles given cluster admin (`AmazonEKSClusterAdminPolicy`, cluster scope) through EKS access
   * entries. The cluster creator gets no implicit admin: list the deploying role here.
   * @default []
   */
  readonly admins?: readonly IRoleRef[];
  /**
   * A public API endpoint, from admin ranges only, with a reason. The private endpoint stays on.
   * @default undefined (private endpoint only)
   */
  readonly publicEndpoint?: EksPublicEndpoint;
  /**
   * Turn off the cluster's deletion protection and `prevent_destroy` (on the cluster and the
   * created secrets key), with a reason. @default undefined (Terraform refuses to destroy it)
   */
  readonly allowDeletion?: OptOut;
}

/** A managed node group, as given to {@link EksCluster.addNodeGroup}. */
export interface EksNodeGroupOptions {
  /** Short name; the node group is `${cluster name}-${name}`. */
  readonly name: string;
  /** @default "ON_DEMAND" */
  readonly capacityType?: "ON_DEMAND" | "SPOT";
  /** Instance types (`m7i.large`); SPOT should list at least two, so one shortage does not stop scaling. */
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  /** @default minSize */
  readonly desiredSize?: number;
  /** Root volume (EBS, gp3, encrypted) in GiB, 20-16384. @default 50 */
  readonly diskSize?: number;
  /** @default "AL2023_x86_64_STANDARD" */
  readonly amiType?: AmiType;
  /**
   * IMDSv2 hop limit: 1 keeps pods (not on the host network) away from the node's credentials;
   * 2 lets pods reach the instance metadata. @default 1
   */
  readonly metadataHopLimit?: 1 | 2;
  /** Customer-managed KMS key for the root volumes. @default the account's EBS default key */
  readonly volumeKey?: IKmsKey;
  /** Kubernetes labels of the nodes. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A node group created by {@link EksCluster.addNodeGroup}. */
export interface EksNodeGroupResult {
  readonly nodeGroup: EksNodeGroup;
  readonly launchTemplate: LaunchTemplate;
}

const KMS_REF = constructRef<IKmsKey>("a KMS key (an object with keyArn)", ["keyArn"]);

const EKS_PROPS = z.strictObject({
  name: z.string().optional(),
  vpc: constructRef<IVpc>("a Vpc (or Vpc.fromAttributes)", ["vpcId", "privateSubnetIds"]),
  version: z.string().optional(),
  allowExtendedSupport: optOutSchema.optional(),
  secretsKey: KMS_REF.optional(),
  logRetentionDays: z.number().optional(),
  admins: z
    .array(constructRef<IRoleRef>("a role (an object with roleArn)", ["roleArn"]))
    .optional(),
  publicEndpoint: z
    .strictObject({
      cidrs: z.array(z.string()),
      optOut: missingCheckedBy(optOutSchema, "checkPublicEndpoint"),
    })
    .optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<EksClusterProps>;

const NODE_GROUP_OPTIONS = z.strictObject({
  name: z.string(),
  capacityType: stringOf<"ON_DEMAND" | "SPOT">().optional(),
  instanceTypes: z.array(z.string()),
  minSize: z.number(),
  maxSize: z.number(),
  desiredSize: z.number().optional(),
  diskSize: z.number().optional(),
  amiType: stringOf<AmiType>().optional(),
  metadataHopLimit: z.union([z.literal(1), z.literal(2)]).optional(),
  volumeKey: KMS_REF.optional(),
  labels: z.record(z.string(), z.string()).optional(),
}) satisfies PropsSchema<EksNodeGroupOptions>;

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/**
 * An EKS cluster with a private API endpoint, Kubernetes secrets encrypted with KMS, every
 * control-plane log type in CloudWatch with a retention, EKS access entries (API authentication,
 * no aws-auth ConfigMap) for the admin roles, deletion protection, and an IAM OIDC provider for
 * IAM roles for service accounts. Managed node groups are added with {@link addNodeGroup}; IRSA
 * roles with {@link serviceAccountRole}.
 */
export class EksCluster extends Construct {
  /** The cluster (escape hatch). */
  readonly cluster: EksClusterResource;
  /** The cluster's IAM role: `AmazonEKSClusterPolicy` only. */
  readonly clusterRole: IamRole;
  /** The KMS key created for secrets, when none was passed. */
  readonly secretsKey?: KmsKey;
  /** The control-plane log group, created before the cluster so it has a retention. */
  readonly logGroup: CloudwatchLogGroup;
  /** The IAM OIDC provider of the cluster's issuer, for IRSA. */
  readonly oidcProvider: IamOpenidConnectProvider;
  /** The access entries of the admins, by role ARN. */
  readonly accessEntries: readonly EksAccessEntry[];
  /** The node groups added so far. */
  readonly nodeGroups: readonly EksNodeGroupResult[];
  private readonly stack: PlatformStack;
  private readonly name: string;
  private readonly vpc: IVpc;
  private readonly groups: EksNodeGroupResult[] = [];
  private nodeRoleValue?: IamRole;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    this.stack = PlatformStack.of(this);
    checkProps(this, EKS_PROPS, props, "{ vpc }");
    refuseProtectionFlags(this, props, "EksCluster");
    const deletion = deletionPolicy(this, props.allowDeletion);
    this.vpc = props.vpc;
    if (this.vpc.privateSubnetIds.length < 2) {
      invalid(
        this,
        "vpc",
        this.vpc.node?.path ?? this.vpc.vpcId,
        `has ${this.vpc.privateSubnetIds.length} private subnet(s); EKS needs subnets in at least two availability zones`,
        "give the VPC private subnets in two or more zones",
      );
    }
    const shortName = props.name ?? "eks";
    this.name = this.stack.claimName(
      this,
      "name",
      "eks-cluster",
      checkName(this, "name", "eks-cluster", `${this.stack.prefix}-${shortName}`),
    );
    const version = props.version ?? EKS_STANDARD_VERSIONS[EKS_STANDARD_VERSIONS.length - 1];
    const extended = this.checkVersion(version, props.allowExtendedSupport);
    const retention = props.logRetentionDays ?? 90;
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
      invalid(
        this,
        "logRetentionDays",
        retention,
        "is not a CloudWatch Logs retention",
        `use one of ${LOG_RETENTION_DAYS.join(", ")}`,
      );
    }
    const publicCidrs = this.checkPublicEndpoint(props.publicEndpoint);
    const admins = this.checkAdmins(props.admins ?? []);

    let keyArn: string;
    if (props.secretsKey !== undefined) {
      keyArn = checkArn(this, "secretsKey", props.secretsKey.keyArn, "kms");
    } else {
      this.secretsKey = new KmsKey(this, "secrets-key", {
        description: `Envelope encryption of the Kubernetes secrets of EKS cluster ${this.name}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        lifecycle: deletion.lifecycle(),
      });
      deletion.record(this.secretsKey);
      keyArn = this.secretsKey.arn;
    }

    this.clusterRole = new IamRole(this, "cluster-role", {
      name: `${this.name}-cluster`,
      description: `The control plane of EKS cluster ${this.name}`,
      assumedBy: ServicePrincipal("eks.amazonaws.com"),
      managedPolicyArns: [`${POLICY}/AmazonEKSClusterPolicy`],
    });
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/eks/${this.name}/cluster`,
      retentionInDays: retention,
    });
    this.cluster = new EksClusterResource(this, "cluster", {
      name: this.name,
      version,
      roleArn: this.clusterRole.roleArn,
      vpcConfig: {
        subnetIds: [...this.vpc.privateSubnetIds],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicCidrs !== undefined,
        publicAccessCidrs: publicCidrs,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn } },
      enabledClusterLogTypes: [...EKS_LOG_TYPES],
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      upgradePolicy: extended ? { supportType: "EXTENDED" } : undefined,
      deletionProtection: deletion.protect,
      lifecycle: deletion.lifecycle(),
      dependsOn: [this.logGroup, ...this.clusterRole.attachments],
    });
    deletion.record(this.cluster);
    if (extended) {
      recordOptOut(this.cluster, "eks-extended-support", props.allowExtendedSupport as OptOut);
    }
    if (publicCidrs !== undefined) {
      recordOptOut(
        this.cluster,
        "eks-public-endpoint",
        (props.publicEndpoint as EksPublicEndpoint).optOut,
      );
    }

    this.accessEntries = admins.map((principalArn, i) => {
      const entry = new EksAccessEntry(this, `admin-${i}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: "STANDARD",
      });
      new EksAccessPolicyAssociation(this, `admin-${i}-policy`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: CLUSTER_ADMIN_POLICY,
        accessScope: { type: "cluster" },
      });
      return entry;
    });

    // No thumbprint: IAM validates the EKS issuer's TLS certificate against its own trusted root
    // CAs, and the provider no longer requires thumbprint_list.
    this.oidcProvider = new IamOpenidConnectProvider(this, "oidc", {
      url: this.oidcIssuerUrl,
      clientIdList: ["sts.amazonaws.com"],
    });
    this.nodeGroups = this.groups;
  }

  /** The cluster's name. */
  get clusterName(): string {
    return this.cluster.name;
  }

  get clusterArn(): string {
    return this.cluster.arn;
  }

  /** The API server endpoint (`https://...`), for a Kubernetes provider. */
  get endpoint(): string {
    return this.cluster.endpoint;
  }

  /** The cluster CA certificate, base64-encoded as EKS returns it. */
  get certificateAuthorityData(): string {
    return this.cluster.certificateAuthority.get(0).data;
  }

  /** The OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/...`). */
  get oidcIssuerUrl(): string {
    return this.cluster.identity.get(0).oidc.get(0).issuer;
  }

  get oidcProviderArn(): string {
    return this.oidcProvider.arn;
  }

  /** The security group EKS creates for the control plane and managed nodes. */
  get clusterSecurityGroupId(): string {
    return this.cluster.vpcConfig.clusterSecurityGroupId;
  }

  /**
   * The configuration of a Kubernetes provider for this cluster: the endpoint, the CA and exec
   * authentication with `aws eks get-token`, so no long-lived token is written to the state.
   * `new KubernetesProvider(stack, "k8s", cluster.kubernetesProviderConfig())`.
   */
  kubernetesProviderConfig(): Pick<
    KubernetesProviderConfig,
    "host" | "clusterCaCertificate" | "exec"
  > {
    return {
      host: this.endpoint,
      clusterCaCertificate: Fn.base64decode(this.certificateAuthorityData),
      exec: [
        {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "aws",
          args: ["eks", "get-token", "--cluster-name", this.clusterName, "--output", "json"],
        },
      ],
    };
  }

  /** The role of the managed nodes, created with the first node group. */
  get nodeRole(): IamRole {
    this.nodeRoleValue ??= new IamRole(this, "node-role", {
      name: `${this.name}-node`,
      description: `The nodes of EKS cluster ${this.name}`,
      assumedBy: ServicePrincipal("ec2.amazonaws.com"),
      managedPolicyArns: [
        `${POLICY}/AmazonEKSWorkerNodePolicy`,
        `${POLICY}/AmazonEC2ContainerRegistryReadOnly`,
        `${POLICY}/AmazonEKS_CNI_Policy`,
      ],
    });
    return this.nodeRoleValue;
  }

  /**
   * Adds a managed node group in the VPC's private subnets, with a launch template that requires
   * IMDSv2 and encrypts the root volume. Validates `minSize ≤ desiredSize ≤ maxSize`; a SPOT
   * group with one instance type gets a warning.
   */
  addNodeGroup(options: EksNodeGroupOptions): EksNodeGroupResult {
    const p = "addNodeGroup";
    checkOptions(
      this,
      p,
      NODE_GROUP_OPTIONS,
      options,
      "{ name: 'general', instanceTypes: ['m7i.large'], minSize: 2, maxSize: 6 }",
    );
    const name = this.stack.claimName(
      this,
      `${p}.name`,
      "eks-node-group",
      checkName(this, `${p}.name`, "eks-node-group", `${this.name}-${options.name}`),
    );
    const capacityType = oneOf(this, `${p}.capacityType`, options.capacityType ?? "ON_DEMAND", [
      "ON_DEMAND",
      "SPOT",
    ]);
    if (options.instanceTypes.length === 0) {
      invalid(
        this,
        `${p}.instanceTypes`,
        [],
        "is empty",
        "list instance types, e.g. ['m7i.large']",
      );
    }
    options.instanceTypes.forEach((t, i) => {
      if (!INSTANCE_TYPE.test(t)) {
        invalid(
          this,
          `${p}.instanceTypes[${i}]`,
          t,
          "is not an instance type",
          "use e.g. 'm7i.large'",
        );
      }
    });
    if (new Set(options.instanceTypes).size !== options.instanceTypes.length) {
      invalid(
        this,
        `${p}.instanceTypes`,
        options.instanceTypes,
        "lists a type twice",
        "list each once",
      );
    }
    if (capacityType === "SPOT" && options.instanceTypes.length < 2) {
      Annotations.of(this).addWarning(
        `${p}.instanceTypes of node group ${name}: a SPOT group with one instance type stops scaling when that type runs short; list two or more of similar size`,
      );
    }
    const minSize = whole(this, `${p}.minSize`, options.minSize, 0, 1000);
    const maxSize = whole(this, `${p}.maxSize`, options.maxSize, 1, 1000);
    const desiredSize = whole(this, `${p}.desiredSize`, options.desiredSize ?? minSize, 0, 1000);
    if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
      invalid(
        this,
        p,
        { minSize, desiredSize, maxSize },
        "does not satisfy minSize ≤ desiredSize ≤ maxSize",
        "choose sizes in that order",
      );
    }
    const diskSize = whole(this, `${p}.diskSize`, options.diskSize ?? 50, 20, 16384);
    const amiType = oneOf(
      this,
      `${p}.amiType`,
      options.amiType ?? "AL2023_x86_64_STANDARD",
      AMI_TYPES,
    );
    const hopLimit = options.metadataHopLimit ?? 1;
    const volumeKey =
      options.volumeKey === undefined
        ? undefined
        : checkArn(this, `${p}.volumeKey`, options.volumeKey.keyArn, "kms");
    const labels = options.labels ?? {};
    // Bottlerocket keeps its OS on /dev/xvda and containers and images on /dev/xvdb.
    const device = amiType.startsWith("BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda";

    const launchTemplate = new LaunchTemplate(this, `${options.name}-launch-template`, {
      namePrefix: `${name}-`,
      description: `Nodes of ${name}: IMDSv2 only, encrypted root volume`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: hopLimit,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: device,
          ebs: {
            volumeSize: diskSize,
            volumeType: "gp3",
            encrypted: "true",
            kmsKeyId: volumeKey,
            deleteOnTermination: "true",
          },
        },
      ],
    });
    const nodeRole = this.nodeRole;
    const nodeGroup = new EksNodeGroup(this, `${options.name}-node-group`, {
      clusterName: this.cluster.name,
      nodeGroupName: name,
      nodeRoleArn: nodeRole.roleArn,
      subnetIds: [...this.vpc.privateSubnetIds],
      capacityType,
      instanceTypes: [...options.instanceTypes],
      amiType,
      scalingConfig: { minSize, maxSize, desiredSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: {
        id: launchTemplate.id,
        version: Token.asString(launchTemplate.latestVersion),
      },
      labels: Object.keys(labels).length > 0 ? { ...labels } : undefined,
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [...nodeRole.attachments],
    });
    const result = { nodeGroup, launchTemplate };
    this.groups.push(result);
    return result;
  }

  /**
   * An IAM role for the Kubernetes service account `namespace/name` (IRSA): only that service
   * account of this cluster can assume it (`sub` and `aud` checked). It holds nothing until
   * granted: `bucket.grantRead(cluster.serviceAccountRole("trading", "bot"))`. Annotate the
   * service account with `eks.amazonaws.com/role-arn: <roleArn>`. The same pair returns the same role.
   */
  serviceAccountRole(namespace: string, name: string): IamRole {
    return serviceAccountRoleIn(this, "serviceAccountRole", {
      clusterName: this.name,
      oidcProviderArn: this.oidcProvider.arn,
      issuerUrl: this.oidcIssuerUrl,
      namespace,
      name,
    });
  }

  private checkVersion(version: unknown, optOut: OptOut | undefined): boolean {
    if ((EKS_STANDARD_VERSIONS as readonly unknown[]).includes(version)) {
      if (optOut !== undefined) {
        invalid(
          this,
          "allowExtendedSupport",
          optOut,
          `is not needed: ${String(version)} has standard support`,
          "remove allowExtendedSupport",
        );
      }
      return false;
    }
    if ((EKS_EXTENDED_VERSIONS as readonly unknown[]).includes(version)) {
      if (!acceptOptOut(this, "allowExtendedSupport", optOut)) {
        invalid(
          this,
          "version",
          version,
          "is past the end of EKS standard support (extended support costs extra and gets no upstream fixes)",
          `upgrade to one of ${EKS_STANDARD_VERSIONS.join(", ")}; to stay on it while you migrate, set allowExtendedSupport: { reason }`,
        );
      }
      return true;
    }
    return invalid(
      this,
      "version",
      version,
      "is not a Kubernetes version EKS supports",
      `use one of ${EKS_STANDARD_VERSIONS.join(", ")}`,
    );
  }

  private checkPublicEndpoint(endpoint: EksPublicEndpoint | undefined): string[] | undefined {
    if (endpoint === undefined) return undefined;
    if (!acceptOptOut(this, "publicEndpoint.optOut", endpoint.optOut)) {
      invalid(
        this,
        "publicEndpoint.optOut",
        undefined,
        "is missing: a public API endpoint needs a reason",
        "add optOut: { reason } (who needs the API from outside the VPC, and why a VPN or bastion does not do)",
      );
    }
    if (endpoint.cidrs.length === 0) {
      invalid(
        this,
        "publicEndpoint.cidrs",
        [],
        "is empty, which EKS reads as 0.0.0.0/0",
        "list the admin ranges, e.g. ['203.0.113.0/24']",
      );
    }
    const cidrs = endpoint.cidrs.map((c, i) => parseCidr(this, `publicEndpoint.cidrs[${i}]`, c));
    if (coversWholeInternet(cidrs)) {
      invalid(
        this,
        "publicEndpoint.cidrs",
        endpoint.cidrs,
        "together cover the whole internet",
        "list only the ranges that administer the cluster; the API is never public to the world",
      );
    }
    return cidrs.map((c) => c.toString());
  }

  private checkAdmins(admins: readonly IRoleRef[]): string[] {
    const arns = admins.map((a, i) => {
      const arn = checkArn(this, `admins[${i}]`, a.roleArn, "iam");
      if (!Token.isUnresolved(arn) && !/:role\//.test(arn)) {
        invalid(
          this,
          `admins[${i}]`,
          arn,
          "is not an IAM role ARN",
          "use arn:aws:iam::<account>:role/<name> (for SSO, the role's ARN without its path's session)",
        );
      }
      return arn;
    });
    const dup = arns.find((a, i) => !Token.isUnresolved(a) && arns.indexOf(a) !== i);
    if (dup !== undefined) {
      invalid(this, "admins", dup, "lists a role twice", "list each role once");
    }
    return arns;
  }
}

// ---------------------------------------------------------------------------------------------
// The Kubernetes provider of a separate stack
// ---------------------------------------------------------------------------------------------

/** The cluster a deploying stack reaches with {@link eksKubernetesProvider}. */
export interface EksKubernetesProviderProps {
  /** The cluster's region, e.g. `us-east-1`. */
  readonly region: string;
  /** The cluster's full name (`${prefix}-${name}` of the stack that created it). */
  readonly clusterName: string;
  /**
   * Alias of the Kubernetes provider, when the stack configures more than one; the AWS provider
   * that reads the cluster is aliased `eks-<alias>`.
   * @default undefined (the default Kubernetes provider; the AWS provider is aliased `eks`)
   */
  readonly alias?: string;
}

/** The providers and the data source created by {@link eksKubernetesProvider}. */
export interface EksKubernetesAccess {
  readonly provider: KubernetesProvider;
  /** The aliased AWS provider of the cluster's region that reads the cluster. */
  readonly awsProvider: AwsProvider;
  readonly cluster: DataAwsEksCluster;
}

const EKS_PROVIDER_PROPS = z.strictObject({
  region: checkedBy<string>("checkAwsRegion"),
  clusterName: checkedBy<string>("checkName"),
  alias: z.string().optional(),
}) satisfies PropsSchema<EksKubernetesProviderProps>;

/**
 * A Kubernetes provider for an EKS cluster, for the stack that deploys onto it (not the stack that
 * creates it; that one has {@link EksCluster.kubernetesProviderConfig}): reads the cluster by name
 * with `data.aws_eks_cluster` through an AWS provider of its region (aliased, so it never
 * collides with the stack's own), and configures the provider with the endpoint, the cluster's CA
 * and exec authentication (`aws eks get-token --cluster-name <name> --region <region>`), so a
 * token is fetched per run and none is written to the state. No kubeconfig. Creates a construct
 * `id` holding the providers and the data source.
 */
export function eksKubernetesProvider(
  scope: Construct,
  id: string,
  props: EksKubernetesProviderProps,
): EksKubernetesAccess {
  const holder = new Construct(scope, id);
  checkProps(holder, EKS_PROVIDER_PROPS, props, "{ region: 'us-east-1', clusterName }");
  const region = checkAwsRegion(holder, "region", props.region);
  const name = checkName(holder, "clusterName", "eks-cluster", props.clusterName);
  if (props.alias !== undefined && !/^[a-z][a-z0-9_-]{0,58}$/.test(props.alias)) {
    invalid(
      holder,
      "alias",
      props.alias,
      "is not a provider alias",
      "use lowercase letters, digits, '_' and '-', starting with a letter",
    );
  }
  const awsProvider = new AwsProvider(holder, "aws", {
    region,
    alias: props.alias === undefined ? "eks" : `eks-${props.alias}`,
  });
  const cluster = new DataAwsEksCluster(holder, "cluster", { name, provider: awsProvider });
  const provider = new KubernetesProvider(holder, "provider", {
    alias: props.alias,
    host: cluster.endpoint,
    clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
    exec: [
      {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"],
      },
    ],
  });
  return { provider, awsProvider, cluster };
}

/**
 * An IAM role for the Kubernetes service account `namespace/name` (IRSA) of a cluster another
 * stack made, read through {@link eksKubernetesProvider}: the cluster's OIDC provider is looked up
 * by the cluster's issuer, and only that service account can assume the role (`sub` and `aud`
 * checked). It holds nothing until granted; annotate the service account with
 * `eks.amazonaws.com/role-arn: <roleArn>`. The same pair returns the same role.
 */
export function eksServiceAccountRole(
  access: EksKubernetesAccess,
  namespace: string,
  name: string,
): IamRole {
  const holder = access.cluster.node.scope as Construct;
  const issuerUrl = access.cluster.identity.get(0).oidc.get(0).issuer;
  // One lookup per cluster, however many roles.
  const found = holder.node.tryFindChild("oidc");
  const oidc =
    found instanceof DataAwsIamOpenidConnectProvider
      ? found
      : new DataAwsIamOpenidConnectProvider(holder, "oidc", {
          url: issuerUrl,
          provider: access.awsProvider,
        });
  return serviceAccountRoleIn(holder, "eksServiceAccountRole", {
    // The name it was read by (a literal), not the data source's attribute (known at plan).
    clusterName: access.cluster.nameInput ?? access.cluster.name,
    oidcProviderArn: oidc.arn,
    issuerUrl,
    namespace,
    name,
  });
}

/**
 * The IRSA role of one service account, made once per cluster and `namespace/name`: a second call
 * finds the role the first made under `scope`.
 */
function serviceAccountRoleIn(
  scope: Construct,
  p: string,
  target: {
    readonly clusterName: string;
    readonly oidcProviderArn: string;
    readonly issuerUrl: string;
    readonly namespace: string;
    readonly name: string;
  },
): IamRole {
  const { clusterName, namespace, name } = target;
  if (!isDnsLabel(namespace)) {
    invalid(
      scope,
      `${p}(namespace)`,
      namespace,
      "is not a Kubernetes namespace name",
      "use lowercase letters, digits and hyphens, at most 63 (RFC 1123 label)",
    );
  }
  if (!isDnsSubdomain(name)) {
    invalid(
      scope,
      `${p}(name)`,
      name,
      "is not a Kubernetes service account name",
      "use lowercase letters, digits, '-' and '.' (RFC 1123 subdomain)",
    );
  }
  const key = `${namespace}/${name}`;
  const id = `irsa-${namespace}-${name}`;
  const roleName = `${clusterName}-${namespace}-${name}`;
  const existing = scope.node.tryFindChild(id);
  if (existing instanceof IamRole) {
    const made = SERVICE_ACCOUNT_OF.get(existing);
    if (made === key) return existing;
    // `a-b/c` and `a/b-c` name the same role: never hand one account's role to the other.
    invalid(
      scope,
      `${p}(namespace, name)`,
      key,
      `makes the role name ${roleName}, which ${made ?? "another role"} has already`,
      "rename the namespace or the service account so that the two differ after joining with '-'",
    );
  }
  if (roleName.length > 64) {
    invalid(
      scope,
      `${p}(namespace, name)`,
      key,
      `makes the role name ${roleName} (${roleName.length} characters; IAM allows 64)`,
      "use a shorter namespace or service account name, or a shorter cluster name",
    );
  }
  const subject = `system:serviceaccount:${namespace}:${name}`;
  // The issuer is known only at apply time: the condition keys hold its reference.
  const issuer = Fn.replace(target.issuerUrl, "https://", "");
  const role = new IamRole(scope, id, {
    name: roleName,
    description: `Kubernetes service account ${key} of EKS cluster ${clusterName}`,
    assumedBy: FederatedPrincipal(target.oidcProviderArn, {
      StringEquals: { [`${issuer}:sub`]: subject, [`${issuer}:aud`]: "sts.amazonaws.com" },
    }),
  });
  SERVICE_ACCOUNT_OF.set(role, key);
  return role;
}

/** The `namespace/name` each IRSA role was made for. */
const SERVICE_ACCOUNT_OF = new WeakMap<IamRole, string>();
