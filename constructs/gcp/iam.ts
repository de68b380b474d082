import type { IConstruct } from "constructs";
import { Token } from "cdktf";
import { invalid } from "../core/errors";
import { PRIMITIVE_ROLES, PUBLIC_MEMBERS } from "../../vocabulary";
import { acceptOptOut, type OptOut } from "../core/opt-out";

/**
 * Anything that can be granted a role: the library's ServiceAccount construct, or a principal
 * given by hand with {@link principal}. `member` is the IAM member string
 * (`serviceAccount:name@project.iam.gserviceaccount.com`).
 */
export interface IGrantable {
  readonly member: string;
}

/** A service account as seen by other constructs (firewall targets, VM identity, grants). */
export interface IServiceAccount extends IGrantable {
  readonly email: string;
}

/** Primitive roles (never granted by the library) and public members, from the shared vocabulary. */
export { PRIMITIVE_ROLES, PUBLIC_MEMBERS };

const PREDEFINED_ROLE = /^roles\/[a-zA-Z0-9_.]+$/;
const CUSTOM_ROLE = /^(projects|organizations)\/[a-z0-9_.:-]+\/roles\/[a-zA-Z0-9_.]+$/;
const EMAIL = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
const MEMBER_KINDS = ["user", "serviceAccount", "group"] as const;

/** Checks an IAM role: predefined `roles/…` or a custom role path, never a primitive role. */
export function checkRole(scope: IConstruct, property: string, role: unknown): string {
  if (typeof role !== "string" || !(PREDEFINED_ROLE.test(role) || CUSTOM_ROLE.test(role))) {
    invalid(
      scope,
      property,
      role,
      "is not an IAM role",
      "use a predefined role 'roles/…' or a custom role 'projects/<id>/roles/<name>'",
    );
  }
  if (PRIMITIVE_ROLES.includes(role)) {
    invalid(
      scope,
      property,
      role,
      "is a primitive role that grants access to almost everything in the project",
      "grant the narrow predefined roles the workload needs (e.g. roles/secretmanager.secretAccessor)",
    );
  }
  return role;
}

/**
 * Checks an IAM member. `allUsers` and `allAuthenticatedUsers` need a named opt-out with a reason;
 * unresolved tokens (an email computed by Terraform) are accepted as they are.
 */
export function checkMember(
  scope: IConstruct,
  property: string,
  member: unknown,
  allowPublic?: OptOut,
): string {
  if (typeof member !== "string") {
    invalid(
      scope,
      property,
      member,
      "is not an IAM member",
      "pass a ServiceAccount or a 'user:…', 'group:…' or 'serviceAccount:…' member",
    );
  }
  if (PUBLIC_MEMBERS.includes(member)) {
    if (!acceptOptOut(scope, `${property} (allowPublic)`, allowPublic)) {
      invalid(
        scope,
        property,
        member,
        "makes the resource public",
        "grant named principals instead; if it must be public, pass allowPublic: { reason }",
      );
    }
    return member;
  }
  if (Token.isUnresolved(member)) return member;
  const colon = member.indexOf(":");
  const kind = member.slice(0, colon);
  const rest = member.slice(colon + 1);
  const ok =
    colon > 0 &&
    (((MEMBER_KINDS as readonly string[]).includes(kind) &&
      (EMAIL.test(rest) || Token.isUnresolved(rest))) ||
      (kind === "domain" && /^[a-z0-9.-]+\.[a-z]{2,}$/.test(rest)) ||
      ((kind === "principal" || kind === "principalSet") && rest.startsWith("//")));
  if (!ok) {
    invalid(
      scope,
      property,
      member,
      "is not a well-formed IAM principal",
      "use 'user:alice@example.com', 'group:ops@example.com', 'serviceAccount:sa@project.iam.gserviceaccount.com', 'domain:example.com' or a principal:// identifier",
    );
  }
  return member;
}

/** A grantable for a principal given by hand, checked. */
export function principal(scope: IConstruct, member: string, allowPublic?: OptOut): IGrantable {
  return { member: checkMember(scope, "member", member, allowPublic) };
}
