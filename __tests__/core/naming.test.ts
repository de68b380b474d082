import { checkName, NAME_RULES, type NameKind, prefixedName } from "../../constructs/core/naming";

describe("checkName", () => {
  it.each<[NameKind, string]>([
    ["network", "vpc"],
    ["network", "a"],
    ["firewall", "allow-ssh-2"],
    ["network", "a".repeat(63)],
    ["prefix", "a".repeat(30)],
    ["service-account", "runner"],
    ["service-account", "a".repeat(30)],
    ["sql-instance", "a".repeat(84)],
    ["secret", "API_Key-2"],
    ["bucket", "my_state-bucket1"],
    ["bucket", "1ab"],
  ])("accepts %s name %p", (kind, name) => {
    expect(checkName("src", "name", kind, name)).toBe(name);
  });

  it.each<[NameKind, unknown]>([
    ["network", "VPC"],
    ["network", "1vpc"],
    ["network", "vpc-"],
    ["network", "my_vpc"],
    ["network", ""],
    ["firewall", "allow ssh"],
    ["secret", "api.key"],
    ["bucket", "-bucket"],
    ["bucket", "Bucket"],
    ["network", undefined],
    ["network", 42],
  ])("rejects %s name %p with the kind's rule", (kind, name) => {
    const rule = NAME_RULES[kind];
    expect(() => checkName("src", "name", kind, name)).toThrow(
      `is not a valid ${kind} name.\n  Fix: use ${rule.rule}, ${rule.min}–${rule.max} characters`,
    );
  });

  it.each<[NameKind, string, RegExp]>([
    ["network", "a".repeat(64), /is 64 characters long; a network name takes 1–63.*shorten/s],
    ["prefix", "a".repeat(31), /is 31 characters long; a prefix name takes 1–30/],
    [
      "service-account",
      "abcde",
      /is 5 characters long; a service-account name takes 6–30.*longer/s,
    ],
    ["sql-instance", "a".repeat(85), /is 85 characters long; a sql-instance name takes 1–84/],
    ["secret", "a".repeat(256), /is 256 characters long; a secret name takes 1–255/],
    ["bucket", "ab", /is 2 characters long; a bucket name takes 3–63/],
    ["bucket", "a".repeat(64), /is 64 characters long; a bucket name takes 3–63/],
  ])("rejects a %s name of the wrong length", (kind, name, message) => {
    expect(() => checkName("src", "name", kind, name)).toThrow(message);
  });
});

describe("prefixedName", () => {
  it("joins the prefix and the parts with hyphens", () => {
    expect(prefixedName("src", "name", "router", "bot-prod", "router", "us-east1")).toBe(
      "bot-prod-router-us-east1",
    );
  });

  it("names the property the user controls when the result is invalid", () => {
    expect(() => prefixedName("src", "subnets[0].name", "network", "bot-prod", "Bad")).toThrow(
      /^src: subnets\[0\]\.name = "bot-prod-Bad" is not a valid network name/,
    );
    expect(() => prefixedName("src", "name", "network", "p".repeat(30), "n".repeat(33))).toThrow(
      /name = "p+-n+" is 64 characters long.*shorten the name or the environment prefix/s,
    );
  });
});

describe("AWS name rules", () => {
  it.each<[NameKind, string]>([
    ["s3-bucket", "signal-factory-prod-reports"],
    ["s3-bucket", "abc"],
    ["s3-bucket", "logs.example.com"],
    ["s3-bucket", "a".repeat(63)],
    ["s3-bucket", "1.2.3"],
    ["iam-role", "sf-prod-api+task=a,b.c@d_e"],
    ["iam-role", "r".repeat(64)],
    ["security-group", "sf-prod web (443) #1: api/edge [a+b=c&d;{e}!$*]"],
    ["security-group", "s".repeat(255)],
    ["rds-instance", "signal-factory-prod-postgres"],
    ["rds-instance", "a"],
    ["rds-instance", "d".repeat(63)],
    ["elasticache-group", "sf-prod-cache"],
    ["elasticache-group", "c".repeat(40)],
    ["ecr-repository", "trading-bot/api"],
    ["ecr-repository", "a1"],
    ["ecr-repository", "team.a/svc_b/c-d"],
    ["eks-cluster", "Prod_eks-1"],
    ["eks-cluster", "0".repeat(100)],
    ["eks-node-group", "prod-eks-general_1"],
    ["eks-node-group", "n".repeat(63)],
    ["kms-alias", "alias/sf-prod-db"],
    ["kms-alias", "alias/team/app_key-1"],
    ["kms-alias", `alias/${"k".repeat(250)}`],
    ["kms-alias", "alias/awsome"],
    ["secretsmanager-secret", "signal-factory/prod/db+ro=x.y@z_w"],
    ["secretsmanager-secret", "x".repeat(512)],
    ["secretsmanager-secret", "app/db-abcdefg"],
    ["ecs-cluster", "production-cluster"],
    ["ecs-service", "_api-2"],
    ["ecs-service", "e".repeat(255)],
    ["cloudfront-oac", "sf-prod-site"],
    ["cloudfront-cache-policy", "p".repeat(128)],
    ["cloudfront-headers-policy", "sf_prod-site"],
    ["log-delivery-source", "s".repeat(60)],
    ["log-delivery-destination", "sf-prod-site"],
  ])("accepts %s name %p", (kind, name) => {
    expect(checkName("src", "name", kind, name)).toBe(name);
  });

  it.each<[NameKind, string]>([
    ["s3-bucket", "Reports"],
    ["s3-bucket", "my_bucket"],
    ["s3-bucket", "-reports"],
    ["s3-bucket", "reports."],
    ["iam-role", "api task"],
    ["iam-role", "api/task"],
    ["iam-role", ""],
    ["security-group", "naïve"],
    ["security-group", 'web"s'],
    ["security-group", "a\nb"],
    ["rds-instance", "1db"],
    ["rds-instance", "Db"],
    ["rds-instance", "db_1"],
    ["elasticache-group", "Cache"],
    ["elasticache-group", "-cache"],
    ["ecr-repository", "Api"],
    ["ecr-repository", "api//v1"],
    ["ecr-repository", "api-"],
    ["ecr-repository", "/api"],
    ["eks-cluster", "-eks"],
    ["eks-cluster", "eks.prod"],
    ["eks-node-group", "_general"],
    ["kms-alias", "sf-prod-db"],
    ["kms-alias", "alias/"],
    ["kms-alias", "alias/a b"],
    ["secretsmanager-secret", "a b"],
    ["secretsmanager-secret", "db#1"],
    ["ecs-cluster", "prod cluster"],
    ["ecs-service", "api.v2"],
    ["cloudfront-oac", "site.example"],
    ["log-delivery-source", "a/b"],
  ])("refuses %s name %p, saying which characters to use", (kind, name) => {
    const rule = NAME_RULES[kind];
    expect(() => checkName("src", "name", kind, name)).toThrow(
      `is not a valid ${rule.label ?? kind} name.\n  Fix: use ${rule.rule}, ${rule.min}–${rule.max} characters`,
    );
  });

  it.each<[NameKind, string, string]>([
    ["s3-bucket", "ab", "is 2 characters long; an S3 bucket name takes 3–63"],
    ["s3-bucket", "a".repeat(64), "is 64 characters long; an S3 bucket name takes 3–63"],
    ["iam-role", "r".repeat(65), "is 65 characters long; an IAM role name takes 1–64"],
    [
      "security-group",
      "s".repeat(256),
      "is 256 characters long; a security group name takes 1–255",
    ],
    ["rds-instance", "d".repeat(64), "is 64 characters long; an RDS instance name takes 1–63"],
    [
      "elasticache-group",
      "c".repeat(41),
      "is 41 characters long; an ElastiCache replication group name takes 1–40",
    ],
    ["ecr-repository", "a", "is 1 characters long; an ECR repository name takes 2–256"],
    [
      "ecr-repository",
      "a".repeat(257),
      "is 257 characters long; an ECR repository name takes 2–256",
    ],
    ["eks-cluster", "e".repeat(101), "is 101 characters long; an EKS cluster name takes 1–100"],
    ["eks-node-group", "n".repeat(64), "is 64 characters long; an EKS node group name takes 1–63"],
    [
      "kms-alias",
      `alias/${"k".repeat(251)}`,
      "is 257 characters long; a KMS alias name takes 7–256",
    ],
    [
      "secretsmanager-secret",
      "x".repeat(513),
      "is 513 characters long; a Secrets Manager secret name takes 1–512",
    ],
    ["ecs-cluster", "e".repeat(256), "is 256 characters long; an ECS cluster name takes 1–255"],
    ["ecs-service", "e".repeat(256), "is 256 characters long; an ECS service name takes 1–255"],
    [
      "cloudfront-oac",
      "o".repeat(65),
      "is 65 characters long; a CloudFront origin access control name takes 1–64",
    ],
    [
      "cloudfront-cache-policy",
      "p".repeat(129),
      "is 129 characters long; a CloudFront cache policy name takes 1–128",
    ],
    [
      "log-delivery-source",
      "s".repeat(61),
      "is 61 characters long; a log delivery source name takes 1–60",
    ],
  ])("refuses a %s name of the wrong length", (kind, name, message) => {
    expect(() => checkName("src", "name", kind, name)).toThrow(message);
  });

  it.each<[NameKind, string, string, string]>([
    ["s3-bucket", "acme..reports", "it has two adjacent periods", "use a single '.'"],
    ["s3-bucket", "192.168.5.4", "it is formatted as an IP address", "use words"],
    ["s3-bucket", "xn--reports", 'the prefix "xn--" is reserved', "start the name differently"],
    ["s3-bucket", "sthree-logs", 'the prefix "sthree-" is reserved', "start the name differently"],
    ["s3-bucket", "amzn-s3-demo-x", 'the prefix "amzn-s3-demo-" is reserved', "start the name"],
    ["s3-bucket", "reports-s3alias", 'the suffix "-s3alias" is reserved', "end the name"],
    ["s3-bucket", "reports--ol-s3", 'the suffix "--ol-s3" is reserved', "end the name"],
    ["s3-bucket", "reports.mrap", 'the suffix ".mrap" is reserved', "end the name"],
    ["s3-bucket", "reports--x-s3", 'the suffix "--x-s3" is reserved', "end the name"],
    ["s3-bucket", "reports--table-s3", 'the suffix "--table-s3" is reserved', "end the name"],
    ["security-group", "sg-web", 'it starts with "sg-"', "start the name differently"],
    ["security-group", "SG-web", 'it starts with "sg-"', "start the name differently"],
    ["rds-instance", "my--db", "it has two consecutive hyphens", "use single hyphens"],
    ["rds-instance", "my-db-", "it ends with a hyphen", "end the name with a letter or digit"],
    ["elasticache-group", "a--b", "it has two consecutive hyphens", "use single hyphens"],
    ["elasticache-group", "cache-", "it ends with a hyphen", "end the name with a letter"],
    ["kms-alias", "alias/aws/rds", '"alias/aws/" is reserved for AWS managed keys', "choose a"],
    [
      "secretsmanager-secret",
      "app/db-abc123",
      "it ends in a hyphen and six characters",
      "end the name differently",
    ],
  ])("refuses the %s name %p: %s", (kind, name, problem, fix) => {
    const label = NAME_RULES[kind].label ?? kind;
    let message = "";
    try {
      checkName("src", "name", kind, name);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`is not a valid ${label} name: ${problem}`);
    expect(message).toMatch(new RegExp(`Fix: ${fix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });
});
