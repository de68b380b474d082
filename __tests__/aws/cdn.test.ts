import { Construct } from "constructs";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { optOutsOf } from "../../constructs/core/opt-out";
import { S3Bucket } from "../../constructs/aws/s3-bucket";
import { StaticSite, type StaticSiteProps } from "../../constructs/aws/cdn";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
} from "../helpers/synth";

const REASON = "internal preview site, reached through the cloudfront.net name only";
const CERT = "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab";
const WAF = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/site/a1b2c3d4";

function awsStack() {
  return testStack({
    backend: {
      kind: "s3",
      bucket: "test-state",
      key: "test/dev.tfstate",
      region: "ap-northeast-2",
    },
  });
}

function site(props: Partial<StaticSiteProps> = {}) {
  const stack = awsStack();
  const logs = new S3Bucket(stack, "logs", { receivesAccessLogs: true });
  const s = new StaticSite(stack, "site", {
    certificateArn: CERT,
    aliases: ["www.example.com"],
    accessLogs: { bucket: logs },
    ...props,
  });
  return { stack, logs, site: s };
}

interface DocStatement {
  sid: string;
  effect: string;
  actions: string[];
  resources: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}

function statementsOf(json: Json | ReturnType<typeof synthJson>, owner: string): DocStatement[] {
  const docs = (json.data as Record<string, Record<string, { statement: DocStatement[] }>>)
    .aws_iam_policy_document;
  const doc = Object.entries(docs).find(([k]) => k.startsWith(owner));
  if (!doc) throw new Error(`no policy document ${owner}`);
  return doc[1].statement;
}

describe("StaticSite", () => {
  it("serves a private bucket over HTTPS with TLS 1.2, security headers, compression and IPv6", () => {
    const { stack } = site();
    const json = synthJson(stack);
    const distribution = findResource(json, "aws_cloudfront_distribution");
    expect(distribution).toMatchObject({
      enabled: true,
      is_ipv6_enabled: true,
      http_version: "http2and3",
      price_class: "PriceClass_100",
      default_root_object: "index.html",
      aliases: ["www.example.com"],
      default_cache_behavior: {
        viewer_protocol_policy: "redirect-to-https",
        allowed_methods: ["GET", "HEAD"],
        cached_methods: ["GET", "HEAD"],
        compress: true,
      },
      restrictions: { geo_restriction: { restriction_type: "none" } },
      viewer_certificate: {
        acm_certificate_arn: CERT,
        ssl_support_method: "sni-only",
        minimum_protocol_version: "TLSv1.2_2021",
      },
      tags: { environment: "dev", system: "test", "managed-by": "cdktf" },
    });
    expect(distribution.web_acl_id).toBeUndefined();
    const origin = (distribution.origin as Record<string, unknown>[])[0];
    expect(origin.domain_name).toMatch(
      /aws_s3_bucket\.site_bucket_.*\.bucket_regional_domain_name/,
    );
    expect(origin.origin_access_control_id).toMatch(/aws_cloudfront_origin_access_control\./);
    expect(findResource(json, "aws_cloudfront_origin_access_control")).toMatchObject({
      name: "test-dev-site",
      origin_access_control_origin_type: "s3",
      signing_behavior: "always",
      signing_protocol: "sigv4",
    });
    expect(findResource(json, "aws_cloudfront_cache_policy")).toMatchObject({
      min_ttl: 0,
      default_ttl: 3600,
      max_ttl: 86400,
      parameters_in_cache_key_and_forwarded_to_origin: {
        enable_accept_encoding_gzip: true,
        enable_accept_encoding_brotli: true,
        cookies_config: { cookie_behavior: "none" },
        query_strings_config: { query_string_behavior: "none" },
      },
    });
    expect(findResource(json, "aws_cloudfront_response_headers_policy")).toMatchObject({
      security_headers_config: {
        strict_transport_security: {
          access_control_max_age_sec: 63072000,
          include_subdomains: true,
          override: true,
        },
        content_type_options: { override: true },
        frame_options: { frame_option: "DENY", override: true },
        referrer_policy: { referrer_policy: "strict-origin-when-cross-origin", override: true },
      },
    });
  });

  it("lets only this distribution read the bucket, through the bucket policy", () => {
    const { stack } = site();
    const statements = statementsOf(synthJson(stack), "site_bucket_policy-document");
    expect(statements.map((s) => s.sid)).toEqual([
      "DenyInsecureTransport",
      "DenyOutdatedTls",
      "AllowCloudFrontRead",
    ]);
    expect(statements[2]).toMatchObject({
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      actions: ["s3:GetObject"],
      resources: [expect.stringMatching(/site_bucket_.*\.arn\}\/\*$/)],
      condition: [
        {
          test: "StringEquals",
          variable: "AWS:SourceArn",
          values: [expect.stringMatching(/aws_cloudfront_distribution\..*\.arn/)],
        },
      ],
    });
  });

  it("delivers standard logs in us-east-1 to the log bucket, and logs the bucket there too", () => {
    const { stack } = site();
    const json = synthJson(stack);
    expect(findResource(json, "aws_cloudwatch_log_delivery_source")).toMatchObject({
      region: "us-east-1",
      name: "test-dev-site",
      log_type: "ACCESS_LOGS",
      resource_arn: expect.stringMatching(/aws_cloudfront_distribution\..*\.arn/),
    });
    const destination = findResource(json, "aws_cloudwatch_log_delivery_destination");
    expect(destination).toMatchObject({ region: "us-east-1", output_format: "json" });
    expect(destination.delivery_destination_configuration).toEqual([
      {
        destination_resource_arn: expect.stringMatching(
          /aws_s3_bucket\.logs_bucket_.*\.arn\}\/cloudfront\/test-dev-site$/,
        ),
      },
    ]);
    expect(findResource(json, "aws_cloudwatch_log_delivery")).toMatchObject({
      region: "us-east-1",
      depends_on: [expect.stringMatching(/^aws_s3_bucket_policy\.logs_policy/)],
    });
    const accept = statementsOf(json, "logs_policy-document").find(
      (s) => s.sid === "AllowCloudFrontLogsTestDevSite",
    );
    expect(accept).toMatchObject({
      principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
      actions: ["s3:PutObject"],
      resources: [expect.stringMatching(/\.arn\}\/cloudfront\/test-dev-site\/\*$/)],
    });
    expect(accept?.condition?.[1]).toEqual({
      test: "ArnLike",
      variable: "aws:SourceArn",
      values: ["arn:aws:logs:us-east-1:*:delivery-source:test-dev-site"],
    });
    expect(
      findResource(json, "aws_s3_bucket_logging", { targetPrefix: "test-dev-site/" }),
    ).toBeDefined();
  });

  it("takes TTLs, a price class, a root object, a web ACL and a bucket of its own", () => {
    const stack = awsStack();
    const logs = new S3Bucket(stack, "logs", { receivesAccessLogs: true });
    const content = new S3Bucket(stack, "content", { accessLogs: { bucket: logs } });
    const s = new StaticSite(stack, "site", {
      bucket: content,
      certificateArn: CERT,
      accessLogs: { bucket: logs, prefix: "cf/site/" },
      minTtl: 60,
      defaultTtl: 600,
      maxTtl: 600,
      priceClass: "PriceClass_All",
      defaultRootObject: "home.html",
      webAclArn: WAF,
    });
    expect(s.bucket).toBe(content);
    const json = synthJson(stack);
    expect(findResource(json, "aws_cloudfront_distribution")).toMatchObject({
      price_class: "PriceClass_All",
      default_root_object: "home.html",
      web_acl_id: WAF,
    });
    expect(findResource(json, "aws_cloudfront_cache_policy")).toMatchObject({
      min_ttl: 60,
      default_ttl: 600,
      max_ttl: 600,
    });
    expect(
      resourcesOf(json, "aws_s3_bucket")
        .map((r) => r.config.bucket)
        .sort(),
    ).toEqual(["test-dev-content", "test-dev-logs"]);
  });

  it.each([
    [{ minTtl: 100, defaultTtl: 50 }, /minTtl = 100 is more than defaultTtl \(50\)/],
    [{ defaultTtl: 90000 }, /defaultTtl = 90000 is more than maxTtl \(86400\)/],
    [{ maxTtl: 40000000 }, /maxTtl = 40000000 is not a whole number of seconds from 0 to 31536000/],
    [{ minTtl: -1 }, /minTtl = -1 is not a whole number of seconds/],
    [
      { priceClass: "PriceClass_50" },
      /priceClass = "PriceClass_50" is not a CloudFront price class/,
    ],
    [
      { defaultRootObject: "/index.html" },
      /defaultRootObject = "\/index.html" is not an object key/,
    ],
    [
      { certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/abc" },
      /certificateArn = ".*" is in eu-west-1: CloudFront uses certificates from us-east-1 only/,
    ],
    [
      { certificateArn: "arn:aws:iam::111122223333:server-certificate/x" },
      /certificateArn = ".*" is not an ARN of acm/,
    ],
    [
      { certificateArn: "arn:aws:acm:us-east-1:111122223333:private-ca/x" },
      /certificateArn = ".*" is not an ACM certificate ARN/,
    ],
    [{ aliases: ["WWW.example.com"] }, /aliases\[0\] = "WWW.example.com" is not a host name/],
    [{ aliases: ["localhost"] }, /aliases\[0\] = "localhost" is not a host name/],
    [{ aliases: ["a.*.example.com"] }, /aliases\[0\] = "a.\*.example.com" is not a host name/],
    [
      { aliases: ["www.example.com", "www.example.com"] },
      /aliases\[1\] = "www.example.com" is listed twice/,
    ],
    [
      { webAclArn: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/site/a1" },
      /webAclArn = ".*" is not a web ACL of scope CLOUDFRONT/,
    ],
    [{ webAclArn: "site-acl" }, /webAclArn = "site-acl" is not an ARN of wafv2/],
    [
      { allowDefaultCertificate: { reason: REASON } },
      /allowDefaultCertificate = .* cannot be combined with certificateArn/,
    ],
  ])("refuses %j", (override, message) => {
    expect(() => site(override as Partial<StaticSiteProps>)).toThrow(message);
  });

  it("accepts a wildcard alias", () => {
    const { stack } = site({ aliases: ["*.example.com", "example.com"] });
    expect(findResource(synthJson(stack), "aws_cloudfront_distribution").aliases).toEqual([
      "*.example.com",
      "example.com",
    ]);
  });

  describe("certificate", () => {
    it("is required: the default certificate allows TLSv1", () => {
      expect(() => site({ certificateArn: undefined, aliases: undefined })).toThrow(
        /certificateArn = undefined is missing: on the default certificate CloudFront accepts TLSv1/,
      );
    });

    it("aliases need one", () => {
      expect(() => site({ certificateArn: undefined })).toThrow(
        /aliases = \["www.example.com"\] need a certificate/,
      );
    });

    it("the default certificate through the legacy-tls opt-out", () => {
      const { stack, site: s } = site({
        certificateArn: undefined,
        aliases: undefined,
        allowDefaultCertificate: { reason: REASON },
      });
      const distribution = findResource(synthJson(stack), "aws_cloudfront_distribution");
      expect(distribution.viewer_certificate).toEqual({ cloudfront_default_certificate: true });
      expect(distribution.aliases).toBeUndefined();
      expect(optOutsOf(s.distribution)).toEqual([{ id: "legacy-tls", reason: REASON }]);
    });

    it("the opt-out needs a reason", () => {
      expect(() =>
        site({
          certificateArn: undefined,
          aliases: undefined,
          allowDefaultCertificate: { reason: "x" },
        }),
      ).toThrow(/allowDefaultCertificate\.reason = "x" is too short/);
    });
  });

  describe("access logs", () => {
    it("are required", () => {
      expect(() => site({ accessLogs: undefined })).toThrow(
        /accessLogs = undefined is missing: a site logs its requests, or says why not/,
      );
    });

    it("go to a log bucket only", () => {
      const stack = awsStack();
      const plain = new S3Bucket(stack, "plain", { withoutAccessLogs: { reason: REASON } });
      expect(
        () =>
          new StaticSite(stack, "site", { certificateArn: CERT, accessLogs: { bucket: plain } }),
      ).toThrow(/accessLogs\.bucket = "test-dev\/plain" is not a log bucket/);
    });

    it("check the prefix", () => {
      const { stack, logs } = site();
      expect(
        () =>
          new StaticSite(stack, "other", {
            certificateArn: CERT,
            accessLogs: { bucket: logs, prefix: "/x" },
          }),
      ).toThrow(/accessLogs\.prefix = "\/x" is not a key prefix/);
    });

    it("opted out: recorded on the distribution and the created bucket", () => {
      const stack = awsStack();
      const s = new StaticSite(stack, "site", {
        certificateArn: CERT,
        withoutAccessLogs: { reason: REASON },
      });
      expect(optOutsOf(s.distribution)).toEqual([{ id: "access-logs-off", reason: REASON }]);
      expect(optOutsOf(s.bucket.bucket)).toEqual([{ id: "access-logs-off", reason: REASON }]);
      const json = synthJson(stack);
      expect(resourcesOf(json, "aws_cloudwatch_log_delivery")).toEqual([]);
      expect(resourcesOf(json, "aws_s3_bucket_logging")).toEqual([]);
    });
  });

  describe("the origin bucket", () => {
    it("is protected unless allowDeletion is given", () => {
      const { stack } = site({ allowDeletion: { reason: REASON } });
      const bucket = findResource(synthJson(stack), "aws_s3_bucket", { bucket: "test-dev-site" });
      expect(bucket.lifecycle).toBeUndefined();
      expect(
        findResource(synthJson(site().stack), "aws_s3_bucket", { bucket: "test-dev-site" }),
      ).toMatchObject({ lifecycle: { prevent_destroy: true } });
    });

    it("takes a name", () => {
      const { site: s } = site({ bucketName: "acme-www-content" });
      expect(s.bucket.bucketName).toBe("acme-www-content");
    });

    it("refuses a bad bucket name as its own prop, not the bucket's", () => {
      expect(() => site({ bucketName: "$(id)" })).toThrow(
        /test-dev\/site: bucketName = "\$\(id\)" is not a valid S3 bucket name/,
      );
    });

    it("refuses bucketName or allowDeletion next to a passed bucket", () => {
      const stack = awsStack();
      const logs = new S3Bucket(stack, "logs", { receivesAccessLogs: true });
      const content = new S3Bucket(stack, "content", { accessLogs: { bucket: logs } });
      expect(
        () =>
          new StaticSite(stack, "site", {
            bucket: content,
            bucketName: "other",
            certificateArn: CERT,
            accessLogs: { bucket: logs },
          }),
      ).toThrow(/bucketName = "other" applies only to a bucket the site creates/);
    });

    it("refuses to serve the log bucket", () => {
      const stack = awsStack();
      const logs = new S3Bucket(stack, "logs", { receivesAccessLogs: true });
      expect(
        () =>
          new StaticSite(stack, "site", {
            bucket: logs,
            certificateArn: CERT,
            accessLogs: { bucket: logs },
          }),
      ).toThrow(/bucket = "test-dev\/logs" is a log bucket: its logs would be served/);
    });
  });

  it("refuses a second site of the same name in the stack", () => {
    const { stack, logs } = site();
    const group = new Construct(stack, "group");
    expect(
      () =>
        new StaticSite(group, "site", {
          bucketName: "test-dev-site-2",
          certificateArn: CERT,
          accessLogs: { bucket: logs },
        }),
    ).toThrow(
      /id = "test-dev-site" is already used by another CloudFront origin access control in this stack/,
    );
  });

  it("exposes the distribution's id, ARN, domain name and zone", () => {
    const { site: s } = site();
    for (const value of [s.distributionId, s.distributionArn, s.domainName, s.hostedZoneId]) {
      expect(value).toMatch(/TfToken/);
    }
  });

  it("passes the policy pack with no unsuppressed finding", () => {
    const { stack } = site();
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]);
    expect(findings.filter((f) => f.suppressed === undefined && f.severity !== "info")).toEqual([]);
    expect(blocking(findings)).toEqual([]);
  });
});
