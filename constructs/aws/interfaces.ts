import type { IConstruct } from "constructs";

/**
 * What AWS constructs see of each other. Each construct takes these interfaces, not classes, so an
 * existing resource (`Vpc.fromAttributes`, an imported key or role) can stand in for a created one.
 */

/** A VPC with its subnet tiers, created by `Vpc` or described by `Vpc.fromAttributes`. */
export interface IVpc extends IConstruct {
  /** `vpc-...` (a Terraform reference for a created VPC). */
  readonly vpcId: string;
  /** The VPC's primary IPv4 range, when known (always for a created VPC). */
  readonly cidr?: string;
  /** The availability zones the subnets are spread over, in order. */
  readonly availabilityZones: readonly string[];
  /** Subnets with a route to an internet gateway (load balancers, NAT gateways), one per AZ. */
  readonly publicSubnetIds: readonly string[];
  /** Subnets with egress through NAT only (workloads), one per AZ. */
  readonly privateSubnetIds: readonly string[];
  /** Subnets without any internet route (databases, caches), one per AZ. */
  readonly isolatedSubnetIds: readonly string[];
}

/** A security group that other constructs can allow traffic from or to. */
export interface ISecurityGroup extends IConstruct {
  /** `sg-...` (a Terraform reference for a created group). */
  readonly securityGroupId: string;
}

/** A KMS key that encrypts a resource's data. */
export interface IKmsKey extends IConstruct {
  /** The key's ARN. */
  readonly keyArn: string;
}

/**
 * An identity that can be granted permissions: an IAM role (a task role, an IRSA role, a node
 * role). `grant*()` methods of resources add least-privilege statements to it.
 */
export interface IGrantablePrincipal extends IConstruct {
  /** The role's ARN. */
  readonly roleArn: string;
  /** Adds an IAM policy statement to the principal's own inline policy. */
  addToPolicy(statement: PolicyStatement): void;
}

/** One statement of an IAM policy document, as the grants build it. */
export interface PolicyStatement {
  /** A short id, unique within the policy (`ReadSecretDb`). */
  readonly sid: string;
  /** `Allow` (the library never writes Deny through grants). */
  readonly effect: "Allow";
  /** Actions, e.g. `secretsmanager:GetSecretValue`; no `*` alone. */
  readonly actions: readonly string[];
  /** Resource ARNs; `*` only where the action has no resource-level permission. */
  readonly resources: readonly string[];
  /** IAM conditions (`{ StringEquals: { "aws:SourceAccount": "..." } }`). @default none */
  readonly conditions?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[]>>>
  >;
}
