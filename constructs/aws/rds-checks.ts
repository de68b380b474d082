/**
 * The checks RdsPostgres and its replicas share: subnets, engine version, instance class,
 * Performance Insights retention, backup and maintenance windows, grantees
 * (`constructs/aws/rds.ts`, `constructs/aws/rds-replica.ts`).
 */
import { type Construct } from "constructs";
import { Token } from "cdktf";
import { invalid } from "../core/errors";
import { POSTGRES_MAJORS, type PostgresMajor } from "../core/postgres-settings";
import type { IGrantablePrincipal, IVpc } from "./interfaces";

export const POSTGRES_PORT = 5432;
export const LOG_EXPORTS = ["postgresql", "upgrade"];
export const INSTANCE_CLASS =
  /^db\.[a-z]+\d+[a-z]*(-flex)?\.(micro|small|medium|large|xlarge|\d{1,2}xlarge|metal(-\d+xl)?)$/;
export const SQL_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;
export const RESERVED_USERS = [
  "rdsadmin",
  "rdsrepladmin",
  "rds_superuser",
  "rds_replication",
  "public",
];
export const RESERVED_DATABASES = ["rdsadmin", "template0", "template1"];
export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const WEEK = 7 * 24 * 60;

/** The VPC's isolated subnets, at least two (a DB subnet group spans two zones or more). */
export function isolatedSubnets(scope: Construct, property: string, vpc: IVpc): string[] {
  const ids: unknown = vpc?.isolatedSubnetIds;
  if (!Array.isArray(ids) || ids.length < 2) {
    invalid(
      scope,
      property,
      vpc?.node?.path,
      `has ${Array.isArray(ids) ? ids.length : "no"} isolated subnets; a DB subnet group needs subnets in at least two availability zones`,
      "give the VPC isolated subnets in two or more zones (Vpc creates one per zone)",
    );
  }
  return [...(ids as string[])];
}

/** The region a VPC's zones are in (`ap-northeast-2` for `ap-northeast-2a`), when they say. */
export function regionOfVpc(vpc: IVpc): string | undefined {
  const zone: unknown = vpc?.availabilityZones?.[0];
  if (typeof zone !== "string" || Token.isUnresolved(zone)) return undefined;
  const match = /^([a-z]{2}(-[a-z]+)+-\d+)[a-z]$/.exec(zone);
  return match ? match[1] : undefined;
}

export function checkEngineVersion(
  scope: Construct,
  property: string,
  value: string,
): { text: string; major: PostgresMajor } {
  const match = typeof value === "string" ? /^(\d{2})(\.\d{1,2})?$/.exec(value) : null;
  const major = match ? (Number(match[1]) as PostgresMajor) : undefined;
  if (major === undefined || !POSTGRES_MAJORS.includes(major)) {
    invalid(
      scope,
      property,
      value,
      "is not a PostgreSQL version the construct builds",
      `use a major (${POSTGRES_MAJORS.join(", ")}) or major.minor such as "16.4"`,
    );
  }
  return { text: value, major };
}

export function checkInstanceClass(scope: Construct, property: string, value: unknown): string {
  const text = value ?? "db.m6g.large";
  if (typeof text !== "string" || !INSTANCE_CLASS.test(text)) {
    invalid(
      scope,
      property,
      value,
      "is not an RDS instance class (db.<family>.<size>)",
      'use e.g. "db.m6g.large", "db.r6g.xlarge" or "db.t4g.medium"',
    );
  }
  return text;
}

export function checkPiRetention(scope: Construct, days: unknown): number {
  if (
    !Number.isInteger(days) ||
    !(days === 7 || days === 731 || ((days as number) % 31 === 0 && (days as number) <= 713))
  ) {
    invalid(
      scope,
      "performanceInsightsRetentionDays",
      days,
      "is not a Performance Insights retention",
      "use 7 (free), a multiple of 31 up to 713 (months), or 731 (two years)",
    );
  }
  return days as number;
}

/** `hh:mm` to minutes of the day, or undefined. */
export function clock(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Checks both windows' formats and lengths and that they do not overlap; returns them lowercase. */
export function checkWindows(
  scope: Construct,
  backup: string,
  maintenance: string,
): { backup: string; maintenance: string } {
  const [bFrom, bTo] = typeof backup === "string" ? backup.split("-") : [];
  const bStart = bFrom !== undefined ? clock(bFrom) : undefined;
  const bEnd = bTo !== undefined ? clock(bTo) : undefined;
  if (bStart === undefined || bEnd === undefined || backup.split("-").length !== 2) {
    invalid(
      scope,
      "backupWindow",
      backup,
      "is not a daily window hh:mm-hh:mm (UTC)",
      'use e.g. "03:00-04:00"',
    );
  }
  const bLength = (bEnd - bStart + 1440) % 1440;
  if (bLength < 30) {
    invalid(
      scope,
      "backupWindow",
      backup,
      "is shorter than 30 minutes",
      "give it 30 minutes or more",
    );
  }
  const text = typeof maintenance === "string" ? maintenance.toLowerCase() : "";
  const m = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/.exec(text);
  const mStartDay = m ? DAYS.indexOf(m[1]) : -1;
  const mEndDay = m ? DAYS.indexOf(m[3]) : -1;
  const mStartClock = m ? clock(m[2]) : undefined;
  const mEndClock = m ? clock(m[4]) : undefined;
  if (mStartDay < 0 || mEndDay < 0 || mStartClock === undefined || mEndClock === undefined) {
    invalid(
      scope,
      "maintenanceWindow",
      maintenance,
      "is not a weekly window ddd:hh:mm-ddd:hh:mm (UTC)",
      `use e.g. "sun:05:00-sun:06:00", days ${DAYS.join(", ")}`,
    );
  }
  const mStart = mStartDay * 1440 + mStartClock;
  const mLength = (mEndDay * 1440 + mEndClock - mStart + WEEK) % WEEK;
  if (mLength < 30) {
    invalid(
      scope,
      "maintenanceWindow",
      maintenance,
      "is shorter than 30 minutes",
      "give it 30 minutes or more",
    );
  }
  for (let day = 0; day < 7; day++) {
    if (overlaps(day * 1440 + bStart, bLength, mStart, mLength)) {
      invalid(
        scope,
        "maintenanceWindow",
        maintenance,
        `overlaps the daily backup window ${backup}`,
        "move one of them so they do not overlap, e.g. backups 03:00-04:00 and maintenance sun:05:00-sun:06:00",
      );
    }
  }
  return { backup, maintenance: text };
}

/** Whether two spans of the week (start, length in minutes) overlap, wrapping at the week's end. */
export function overlaps(
  aStart: number,
  aLength: number,
  bStart: number,
  bLength: number,
): boolean {
  return [-WEEK, 0, WEEK].some(
    (shift) => aStart < bStart + shift + bLength && bStart + shift < aStart + aLength,
  );
}

export function checkGrantee(scope: Construct, property: string, grantee: unknown): void {
  if (typeof (grantee as IGrantablePrincipal | undefined)?.addToPolicy !== "function") {
    invalid(
      scope,
      property,
      grantee,
      "is not a principal that can be granted permissions",
      "pass an IamRole (an IGrantablePrincipal)",
    );
  }
}

export function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function pascal(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter((p) => p !== "")
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
}
