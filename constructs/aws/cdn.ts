import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { OPT_OUT_IDS } from "../../vocabulary";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import { checkedBy, checkProps, optOutSchema, stringOf, type PropsSchema } from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkArn } from "./common";
import { checkBucketName, S3Bucket, sidOf } from "./s3-bucket";

/** CloudFront's edge-location sets, cheapest first. */
export const PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;
export type PriceClass = (typeof PRICE_CLASSES)[number];

/** The region of every CloudFront certificate, web ACL and standard-log delivery. */
const CLOUDFRONT_REGION = "us-east-1";
/** The longest TTL accepted: one year, CloudFront's default maximum. */
const MAX_TTL = 31536000;
/** HSTS max-age: two years, the preload list's recommendation. */
const HSTS_MAX_AGE = 63072000;

export interface StaticSiteProps {
  /**
   * The bucket that holds the site, when it already exists in the stack. It stays private: only
   * this distribution reads it, through Origin Access Control.
   * @default a new `S3Bucket` named {@link bucketName}
   */
  readonly bucket?: S3Bucket;
  /** The name of the bucket created for the site (only without {@link bucket}). @default `${prefix}-${id}` */
  readonly bucketName?: string;
  /**
   * An ACM certificate for the aliases, in us-east-1 (CloudFront reads certificates only there):
   * served by SNI with minimum protocol `TLSv1.2_2021`. Whether it covers every alias cannot be
   * checked here; ACM and CloudFront check it at apply.
   * @default none: then {@link allowDefaultCertificate} is required
   */
  readonly certificateArn?: string;
  /** Host names the site answers on (`www.example.com`, `*.example.com`); need {@link certificateArn}. @default [] */
  readonly aliases?: readonly string[];
  /**
   * Serve on the `*.cloudfront.net` default certificate, with a reason: CloudFront then accepts
   * TLSv1 (its minimum protocol cannot be raised without an own certificate). Recorded as the
   * opt-out `legacy-tls` on the distribution.
   * @default undefined (a certificate is required)
   */
  readonly allowDefaultCertificate?: OptOut;
  /** The object served for `/`. @default "index.html" */
  readonly defaultRootObject?: string;
  /** Edge locations: `PriceClass_100` (North America, Europe), `_200`, `_All`. @default "PriceClass_100" */
  readonly priceClass?: PriceClass;
  /** Shortest time, in seconds, an object stays cached (min ≤ default ≤ max). @default 0 */
  readonly minTtl?: number;
  /** Cache time, in seconds, when the object sets no Cache-Control. @default 3600 */
  readonly defaultTtl?: number;
  /** Longest time, in seconds, an object stays cached, at most 31536000. @default 86400 */
  readonly maxTtl?: number;
  /**
   * Where the access logs go: CloudFront's standard logs (delivered through CloudWatch Logs, in
   * us-east-1) under `prefix`, and the created bucket's S3 server access logs under its own name.
   * The bucket must be an `S3Bucket` with `receivesAccessLogs: true`.
   * @default undefined (then {@link withoutAccessLogs} is required)
   */
  readonly accessLogs?: { readonly bucket: S3Bucket; readonly prefix?: string };
  /** No access logs, with a reason: recorded as `access-logs-off` (on the distribution and the created bucket). */
  readonly withoutAccessLogs?: OptOut;
  /** A WAFv2 web ACL of scope CLOUDFRONT (`arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>`). @default none */
  readonly webAclArn?: string;
  /** Passed to the created bucket (only without {@link bucket}). @default undefined (protected) */
  readonly allowDeletion?: OptOut;
}

const STATIC_SITE_PROPS = z.strictObject({
  bucket: checkedBy<S3Bucket>("checkBucket").optional(),
  bucketName: z.string().optional(),
  certificateArn: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  allowDefaultCertificate: optOutSchema.optional(),
  defaultRootObject: z.string().optional(),
  priceClass: stringOf<PriceClass>().optional(),
  minTtl: z.number().optional(),
  defaultTtl: z.number().optional(),
  maxTtl: z.number().optional(),
  accessLogs: z
    .strictObject({
      bucket: checkedBy<S3Bucket>("checkLogBucket"),
      prefix: z.string().optional(),
    })
    .optional(),
  withoutAccessLogs: optOutSchema.optional(),
  webAclArn: z.string().optional(),
  allowDeletion: optOutSchema.optional(),
}) satisfies PropsSchema<StaticSiteProps>;

/** Whether `host` is a DNS name CloudFront accepts as an alias (`*` only as the leftmost label). */
export function isAliasHost(host: unknown): host is string {
  if (typeof host !== "string" || host.length > 253) return false;
  const labels = host.split(".");
  const named = labels[0] === "*" ? labels.slice(1) : labels;
  return (
    named.length >= 2 &&
    named.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) &&
    !/^[0-9]+$/.test(named[named.length - 1])
  );
}

/**
 * A static site: CloudFront in front of a private S3 bucket. The bucket is read only by this
 * distribution (Origin Access Control, SigV4 on every request, and a bucket-policy statement
 * pinned to the distribution's ARN); viewers are redirected to HTTPS with TLS 1.2 or newer on an
 * ACM certificate, responses carry security headers (HSTS, nosniff, frame-options DENY,
 * referrer-policy), compression and IPv6 are on, and access logs are written (or a reasoned
 * opt-out is recorded).
 */
export class StaticSite extends Construct {
  /** The bucket the site is served from. */
  readonly bucket: S3Bucket;
  /** The distribution (escape hatch). */
  readonly distribution: CloudfrontDistribution;
  readonly originAccessControl: CloudfrontOriginAccessControl;
  readonly cachePolicy: CloudfrontCachePolicy;
  readonly responseHeadersPolicy: CloudfrontResponseHeadersPolicy;
  /** The standard-log delivery (source, destination, delivery), when {@link StaticSiteProps.accessLogs}. */
  readonly logDelivery?: {
    readonly source: CloudwatchLogDeliverySource;
    readonly destination: CloudwatchLogDeliveryDestination;
    readonly delivery: CloudwatchLogDelivery;
  };

  constructor(scope: Construct, id: string, props: StaticSiteProps = {}) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, STATIC_SITE_PROPS, props, "{ certificateArn, aliases, accessLogs }");
    // One name for the origin access control and both policies: the tightest rule of the three.
    const name = checkName(this, "id", "cloudfront-oac", `${stack.prefix}-${id}`);
    // Checked here, so that a bad name is refused as this construct's prop, not the bucket's.
    if (props.bucketName !== undefined) checkBucketName(this, "bucketName", props.bucketName);
    const tls = this.checkTls(props);
    const ttl = this.checkTtls(props);
    const priceClass = props.priceClass ?? "PriceClass_100";
    if (!(PRICE_CLASSES as readonly string[]).includes(priceClass)) {
      invalid(
        this,
        "priceClass",
        priceClass,
        "is not a CloudFront price class",
        `use one of ${PRICE_CLASSES.join(", ")}`,
      );
    }
    const rootObject = props.defaultRootObject ?? "index.html";
    if (
      typeof rootObject !== "string" ||
      !/^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,254}$/.test(rootObject)
    ) {
      invalid(
        this,
        "defaultRootObject",
        rootObject,
        "is not an object key",
        'give a key without a leading "/", e.g. "index.html"',
      );
    }
    const webAclArn = props.webAclArn === undefined ? undefined : this.checkWebAcl(props.webAclArn);
    const logs = this.checkLogs(props, name);
    this.bucket = this.originBucket(props, id, logs);

    this.originAccessControl = new CloudfrontOriginAccessControl(this, "oac", {
      name: stack.claimName(this, "id", "cloudfront-oac", name),
      description: `Signed reads of ${this.bucket.bucketName} by ${name}`,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
    this.cachePolicy = new CloudfrontCachePolicy(this, "cache-policy", {
      name: stack.claimName(this, "id", "cloudfront-cache-policy", name),
      comment: `Cache of ${name}: no cookies, headers or query strings in the key`,
      minTtl: ttl.min,
      defaultTtl: ttl.default,
      maxTtl: ttl.max,
      parametersInCacheKeyAndForwardedToOrigin: {
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
      },
    });
    this.responseHeadersPolicy = new CloudfrontResponseHeadersPolicy(this, "headers-policy", {
      name: stack.claimName(this, "id", "cloudfront-headers-policy", name),
      comment: `Security headers of ${name}`,
      securityHeadersConfig: {
        strictTransportSecurity: {
          accessControlMaxAgeSec: HSTS_MAX_AGE,
          includeSubdomains: true,
          preload: false,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: "DENY", override: true },
        referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
      },
    });

    const originId = "s3";
    this.distribution = new CloudfrontDistribution(this, "distribution", {
      enabled: true,
      comment: name,
      isIpv6Enabled: true,
      httpVersion: "http2and3",
      priceClass,
      defaultRootObject: rootObject,
      aliases: tls.aliases.length > 0 ? [...tls.aliases] : undefined,
      webAclId: webAclArn,
      origin: [
        {
          originId,
          domainName: this.bucket.regionalDomainName,
          originAccessControlId: this.originAccessControl.id,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: originId,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: this.cachePolicy.id,
        responseHeadersPolicyId: this.responseHeadersPolicy.id,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate:
        tls.certificateArn !== undefined
          ? {
              acmCertificateArn: tls.certificateArn,
              sslSupportMethod: "sni-only",
              minimumProtocolVersion: "TLSv1.2_2021",
            }
          : { cloudfrontDefaultCertificate: true },
    });
    if (tls.defaultCertificate) {
      recordOptOut(this.distribution, OPT_OUT_IDS.legacyTls, tls.defaultCertificate);
    }
    this.bucket.grantCloudFrontRead(this.distribution.arn);

    if (logs.kind === "to") {
      const sourceName = name.slice(0, 60);
      const source = new CloudwatchLogDeliverySource(this, "log-source", {
        region: CLOUDFRONT_REGION,
        name: stack.claimName(this, "id", "log-delivery-source", sourceName),
        logType: "ACCESS_LOGS",
        resourceArn: this.distribution.arn,
      });
      const destination = new CloudwatchLogDeliveryDestination(this, "log-destination", {
        region: CLOUDFRONT_REGION,
        name: stack.claimName(this, "id", "log-delivery-destination", sourceName),
        outputFormat: "json",
        deliveryDestinationConfiguration: [
          { destinationResourceArn: `${logs.bucket.bucketArn}/${logs.prefix.replace(/\/$/, "")}` },
        ],
      });
      logs.bucket.acceptLogDelivery("accessLogs.bucket", {
        service: "delivery.logs.amazonaws.com",
        sourceArn: `arn:aws:logs:${CLOUDFRONT_REGION}:*:delivery-source:${sourceName}`,
        prefix: logs.prefix,
        sid: `AllowCloudFrontLogs${sidOf(name)}`,
      });
      const delivery = new CloudwatchLogDelivery(this, "log-delivery", {
        region: CLOUDFRONT_REGION,
        deliverySourceName: source.name,
        deliveryDestinationArn: destination.arn,
        dependsOn: [logs.bucket.policy],
      });
      this.logDelivery = { source, destination, delivery };
    } else {
      recordOptOut(this.distribution, OPT_OUT_IDS.accessLogsOff, logs.optOut);
    }
  }

  /** The distribution's id (`E2QWRUHAPOMQZL`), for cache invalidations. */
  get distributionId(): string {
    return this.distribution.id;
  }

  /** The distribution's ARN. */
  get distributionArn(): string {
    return this.distribution.arn;
  }

  /** `d111111abcdef8.cloudfront.net`, the target of the aliases' DNS records. */
  get domainName(): string {
    return this.distribution.domainName;
  }

  /** The zone id of CloudFront domains, for Route 53 alias records. */
  get hostedZoneId(): string {
    return this.distribution.hostedZoneId;
  }

  private originBucket(
    props: StaticSiteProps,
    id: string,
    logs: ReturnType<StaticSite["checkLogs"]>,
  ): S3Bucket {
    if (props.bucket === undefined) {
      return new S3Bucket(this, "bucket", {
        name: props.bucketName ?? `${PlatformStack.of(this).prefix}-${id}`,
        ...(logs.kind === "to"
          ? { accessLogs: { bucket: logs.bucket } }
          : { withoutAccessLogs: logs.optOut }),
        ...(props.allowDeletion !== undefined ? { allowDeletion: props.allowDeletion } : {}),
      });
    }
    for (const only of ["bucketName", "allowDeletion"] as const) {
      if (props[only] !== undefined) {
        invalid(
          this,
          only,
          props[only],
          "applies only to a bucket the site creates, and a bucket was passed",
          "set it on the S3Bucket you pass, or leave bucket out",
        );
      }
    }
    const bucket = props.bucket as unknown;
    if (!(bucket instanceof S3Bucket)) {
      invalid(this, "bucket", bucket, "is not an S3Bucket", "pass an S3Bucket construct");
    }
    if (bucket.receivesAccessLogs) {
      invalid(
        this,
        "bucket",
        bucket.node.path,
        "is a log bucket: its logs would be served to the internet",
        "serve the site from a bucket of its own",
      );
    }
    return bucket;
  }

  private checkTls(props: StaticSiteProps): {
    certificateArn?: string;
    aliases: readonly string[];
    defaultCertificate?: OptOut;
  } {
    const aliases = props.aliases ?? [];
    aliases.forEach((alias, i) => {
      if (!isAliasHost(alias)) {
        invalid(
          this,
          `aliases[${i}]`,
          alias,
          "is not a host name",
          'use lowercase DNS labels, e.g. "www.example.com" or "*.example.com"',
        );
      }
      if (aliases.indexOf(alias) !== i) {
        invalid(this, `aliases[${i}]`, alias, "is listed twice", "list each host once");
      }
    });
    if (props.certificateArn === undefined) {
      if (aliases.length > 0) {
        invalid(
          this,
          "aliases",
          aliases,
          "need a certificate: the default *.cloudfront.net certificate does not cover them",
          "pass certificateArn: an ACM certificate in us-east-1 covering every alias",
        );
      }
      if (!acceptOptOut(this, "allowDefaultCertificate", props.allowDefaultCertificate)) {
        invalid(
          this,
          "certificateArn",
          undefined,
          "is missing: on the default certificate CloudFront accepts TLSv1, and TLSv1.2_2021 needs an own certificate",
          "pass certificateArn (ACM, us-east-1), or allowDefaultCertificate: { reason } to serve on *.cloudfront.net",
        );
      }
      return { aliases, defaultCertificate: props.allowDefaultCertificate };
    }
    if (props.allowDefaultCertificate !== undefined) {
      invalid(
        this,
        "allowDefaultCertificate",
        props.allowDefaultCertificate,
        "cannot be combined with certificateArn",
        "remove allowDefaultCertificate: the site serves the certificate",
      );
    }
    const arn = checkArn(this, "certificateArn", props.certificateArn, "acm");
    if (!Token.isUnresolved(arn) && arn.split(":")[3] !== CLOUDFRONT_REGION) {
      invalid(
        this,
        "certificateArn",
        arn,
        `is in ${arn.split(":")[3]}: CloudFront uses certificates from us-east-1 only`,
        "request or import the certificate in us-east-1",
      );
    }
    if (!Token.isUnresolved(arn) && !/:certificate\/[A-Za-z0-9-]+$/.test(arn)) {
      invalid(
        this,
        "certificateArn",
        arn,
        "is not an ACM certificate ARN",
        "use arn:aws:acm:us-east-1:<account>:certificate/<id>",
      );
    }
    return { certificateArn: arn, aliases };
  }

  private checkTtls(props: StaticSiteProps): { min: number; default: number; max: number } {
    const ttl = {
      min: this.seconds("minTtl", props.minTtl ?? 0),
      default: this.seconds("defaultTtl", props.defaultTtl ?? 3600),
      max: this.seconds("maxTtl", props.maxTtl ?? 86400),
    };
    if (ttl.min > ttl.default) {
      invalid(
        this,
        "minTtl",
        ttl.min,
        `is more than defaultTtl (${ttl.default})`,
        "keep minTtl ≤ defaultTtl ≤ maxTtl",
      );
    }
    if (ttl.default > ttl.max) {
      invalid(
        this,
        "defaultTtl",
        ttl.default,
        `is more than maxTtl (${ttl.max})`,
        "keep minTtl ≤ defaultTtl ≤ maxTtl",
      );
    }
    return ttl;
  }

  private seconds(property: string, value: unknown): number {
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_TTL) {
      invalid(
        this,
        property,
        value,
        `is not a whole number of seconds from 0 to ${MAX_TTL}`,
        "give seconds, e.g. 3600 for an hour",
      );
    }
    return value as number;
  }

  private checkWebAcl(arn: string): string {
    checkArn(this, "webAclArn", arn, "wafv2");
    if (Token.isUnresolved(arn)) return arn;
    const [, , , region, , resource] = arn.split(":");
    if (region !== CLOUDFRONT_REGION || !resource.startsWith("global/webacl/")) {
      invalid(
        this,
        "webAclArn",
        arn,
        "is not a web ACL of scope CLOUDFRONT",
        "use a WAFv2 web ACL created with scope CLOUDFRONT: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>",
      );
    }
    return arn;
  }

  private checkLogs(
    props: StaticSiteProps,
    name: string,
  ): { kind: "to"; bucket: S3Bucket; prefix: string } | { kind: "off"; optOut: OptOut } {
    if (props.accessLogs !== undefined && props.withoutAccessLogs !== undefined) {
      invalid(
        this,
        "withoutAccessLogs",
        props.withoutAccessLogs,
        "cannot be combined with accessLogs",
        "choose one: accessLogs (a log bucket) or withoutAccessLogs (a reason)",
      );
    }
    if (acceptOptOut(this, "withoutAccessLogs", props.withoutAccessLogs)) {
      return { kind: "off", optOut: props.withoutAccessLogs };
    }
    if (props.accessLogs === undefined) {
      invalid(
        this,
        "accessLogs",
        undefined,
        "is missing: a site logs its requests, or says why not",
        "pass accessLogs: { bucket: logBucket } (an S3Bucket with receivesAccessLogs: true) or withoutAccessLogs: { reason }",
      );
    }
    const bucket = props.accessLogs.bucket as unknown;
    if (!(bucket instanceof S3Bucket) || !bucket.receivesAccessLogs) {
      invalid(
        this,
        "accessLogs.bucket",
        bucket instanceof S3Bucket ? bucket.node.path : bucket,
        "is not a log bucket",
        "pass an S3Bucket created with receivesAccessLogs: true",
      );
    }
    const prefix = props.accessLogs.prefix ?? `cloudfront/${name}/`;
    if (!/^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,511}$/.test(prefix)) {
      invalid(
        this,
        "accessLogs.prefix",
        prefix,
        "is not a key prefix",
        'use letters, digits and !_.*\'()/- (not starting with /), e.g. "cloudfront/site/"',
      );
    }
    return { kind: "to", bucket, prefix };
  }
}
