import type { IConstruct } from "constructs";
import { TerraformResource, type IAspect } from "cdktf";
import { invalid, type ErrorSource } from "./errors";

/** GCP label rules: keys start with a lowercase letter; keys and values use `[a-z0-9_-]`, ≤ 63. */
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const MAX_LABELS = 64;

/** Checks a label map against GCP's rules and returns it. */
export function checkLabels(
  source: ErrorSource,
  property: string,
  labels: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS) {
    invalid(
      source,
      property,
      keys,
      `has ${keys.length} labels; GCP allows ${MAX_LABELS}`,
      "drop labels",
    );
  }
  for (const key of keys) {
    if (!LABEL_KEY.test(key)) {
      invalid(
        source,
        `${property} key`,
        key,
        "is not a valid GCP label key",
        "start with a lowercase letter and use only lowercase letters, digits, '_' and '-' (at most 63)",
      );
    }
    const value = labels[key];
    if (typeof value !== "string" || !LABEL_VALUE.test(value)) {
      invalid(
        source,
        `${property}.${key}`,
        value,
        "is not a valid GCP label value",
        "use only lowercase letters, digits, '_' and '-' (at most 63)",
      );
    }
  }
  return labels;
}

/**
 * A resource whose labels live somewhere other than a top-level `labels` argument (Cloud SQL keeps
 * them in `settings.user_labels`) registers how to apply them here.
 */
export interface LabelTarget {
  applyLabels(labels: Readonly<Record<string, string>>): void;
}

interface LabelledResource extends TerraformResource {
  labels: Record<string, string>;
  readonly labelsInput: Record<string, string> | undefined;
}

interface UserLabelledResource extends TerraformResource {
  userLabels: Record<string, string>;
  readonly userLabelsInput: Record<string, string> | undefined;
}

/**
 * Resource types whose `labels` argument is configuration, not resource labels (a notification
 * channel's `labels` hold its email address or URL); their labels go in `user_labels`.
 */
const LABELS_ARE_CONFIG: ReadonlySet<string> = new Set(["google_monitoring_notification_channel"]);

function hasUserLabelsArgument(node: IConstruct): node is UserLabelledResource {
  return node instanceof TerraformResource && "userLabelsInput" in node && "userLabels" in node;
}

function hasLabelsArgument(node: IConstruct): node is LabelledResource {
  return (
    node instanceof TerraformResource &&
    "labelsInput" in node &&
    "labels" in node &&
    !LABELS_ARE_CONFIG.has(node.terraformResourceType)
  );
}

interface TaggedResource extends TerraformResource {
  tags: Record<string, string>;
  readonly tagsInput: Record<string, string> | undefined;
}

/** AWS resources take tags (`tags`); the stack's labels become tags with the same keys. */
function hasAwsTags(node: IConstruct): node is TaggedResource {
  return (
    node instanceof TerraformResource &&
    node.terraformResourceType.startsWith("aws_") &&
    "tagsInput" in node &&
    "tags" in node
  );
}

/** AWS tag rules: keys 1-128 and values 0-256 of letters, digits, spaces and `_ . : / = + - @`. */
const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks an AWS tag map and returns it. */
export function checkTags(
  source: ErrorSource,
  property: string,
  tags: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const keys = Object.keys(tags);
  if (keys.length > 50) {
    invalid(source, property, keys, `has ${keys.length} tags; AWS allows 50`, "drop tags");
  }
  for (const key of keys) {
    if (
      key.length < 1 ||
      key.length > 128 ||
      !AWS_TAG_TEXT.test(key) ||
      key.toLowerCase().startsWith("aws:")
    ) {
      invalid(
        source,
        `${property} key`,
        key,
        "is not a valid AWS tag key",
        "use 1-128 letters, digits, spaces and _ . : / = + - @, not starting with aws:",
      );
    }
    const value = tags[key];
    if (typeof value !== "string" || value.length > 256 || !AWS_TAG_TEXT.test(value)) {
      invalid(
        source,
        `${property}.${key}`,
        value,
        "is not a valid AWS tag value",
        "use at most 256 letters, digits, spaces and _ . : / = + - @",
      );
    }
  }
  return tags;
}

function isLabelTarget(node: IConstruct): node is IConstruct & LabelTarget {
  return typeof (node as Partial<LabelTarget>).applyLabels === "function";
}

/**
 * Applies the stack's labels (`environment`, `system`, `managed-by` and any extra) to every
 * resource that takes labels, and as tags to every AWS resource that takes tags. Labels or tags
 * set on a resource itself win over the stack's.
 */
export class LabelsAspect implements IAspect {
  private readonly labels: Readonly<Record<string, string>>;

  constructor(labels: Readonly<Record<string, string>>) {
    this.labels = { ...labels };
  }

  visit(node: IConstruct): void {
    if (isLabelTarget(node)) {
      node.applyLabels(this.labels);
    } else if (hasUserLabelsArgument(node)) {
      node.userLabels = this.merge(node, "userLabels", node.userLabelsInput);
    } else if (hasLabelsArgument(node)) {
      node.labels = this.merge(node, "labels", node.labelsInput);
    } else if (hasAwsTags(node)) {
      const merged = { ...this.labels, ...(node.tagsInput ?? {}) };
      checkTags(node, "tags", merged);
      node.tags = sortKeys(merged);
    }
  }

  private merge(
    node: IConstruct,
    property: string,
    own: Readonly<Record<string, string>> | undefined,
  ): Record<string, string> {
    const merged = { ...this.labels, ...(own ?? {}) };
    checkLabels(node, property, merged);
    return sortKeys(merged);
  }
}

function sortKeys(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}
