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

function isLabelTarget(node: IConstruct): node is IConstruct & LabelTarget {
  return typeof (node as Partial<LabelTarget>).applyLabels === "function";
}

/**
 * Applies the stack's labels (`environment`, `system`, `managed-by` and any extra) to every
 * resource that takes labels. Labels set on a resource itself win over the stack's.
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
