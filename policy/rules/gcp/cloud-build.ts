// GCP rules: Cloud Build.
import type { Rule } from "../../types";
import { flag, NOT_APPLICABLE, requireFlag } from "../../values";
import { OPT_OUT_IDS } from "../../../vocabulary";

export const buildRules: Rule[] = [
  {
    id: "GCP-CB-001",
    severity: "error",
    title: "Cloud Build trigger waits for an approval before it builds",
    types: ["google_cloudbuild_trigger"],
    fix: "Set approval_config { approval_required = true }, so a push builds and releases only once a person with roles/cloudbuild.builds.approver approves it.",
    acceptedOptOuts: [OPT_OUT_IDS.buildWithoutApproval],
    check: (r) =>
      flag(r.config.disabled) === true
        ? NOT_APPLICABLE
        : requireFlag(r.config, "approval_config.approval_required", true, false),
  },
];
