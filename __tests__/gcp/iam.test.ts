import { Token } from "cdktf";
import { checkMember, checkRole, principal } from "../../constructs/gcp/iam";
import { testStack } from "../helpers/synth";

const REASON = "public download page, approved in SEC-42";

describe("checkRole", () => {
  it.each([
    ["roles/secretmanager.secretAccessor"],
    ["roles/cloudsql.client"],
    ["projects/my-project/roles/botReader"],
    ["organizations/123456789/roles/custom.role_1"],
  ])("accepts %s", (role) => {
    expect(checkRole(testStack(), "role", role)).toBe(role);
  });

  it.each([["roles/owner"], ["roles/editor"], ["roles/viewer"]])(
    "rejects the primitive role %s",
    (role) => {
      expect(() => checkRole(testStack(), "grants[0].role", role)).toThrow(
        `grants[0].role = "${role}" is a primitive role that grants access to almost everything in the project`,
      );
    },
  );

  it.each([["owner"], ["roles/"], ["roles/a b"], ["projects/p/roles/"], [""], [undefined], [7]])(
    "rejects %p as not an IAM role",
    (role) => {
      expect(() => checkRole(testStack(), "role", role)).toThrow(/role = .* is not an IAM role/);
    },
  );
});

describe("checkMember", () => {
  it.each([
    ["user:alice@example.com"],
    ["group:ops@example.com"],
    ["serviceAccount:bot@my-project.iam.gserviceaccount.com"],
    ["domain:example.com"],
    [
      "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/s",
    ],
    ["principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/*"],
  ])("accepts %s", (member) => {
    expect(checkMember(testStack(), "member", member)).toBe(member);
  });

  it("accepts an email that Terraform computes (a token)", () => {
    const email = Token.asString({ Ref: "google_service_account.bot.email" });
    expect(checkMember(testStack(), "member", `serviceAccount:${email}`)).toBe(
      `serviceAccount:${email}`,
    );
    expect(checkMember(testStack(), "member", email)).toBe(email);
  });

  it.each([
    ["alice@example.com", "no kind"],
    [":alice@example.com", "an empty kind"],
    ["user:alice", "no email"],
    ["robot:alice@example.com", "an unknown kind"],
    ["domain:Example.COM", "an uppercase domain"],
    ["principal:iam.googleapis.com/x", "a principal without //"],
  ])("rejects %p (%s)", (member) => {
    expect(() => checkMember(testStack(), "members[0]", member)).toThrow(
      `members[0] = "${member}" is not a well-formed IAM principal`,
    );
  });

  it("rejects a member that is not a string", () => {
    expect(() => checkMember(testStack(), "member", { email: "a@b.co" })).toThrow(
      /member = \{"email":"a@b\.co"\} is not an IAM member/,
    );
  });

  it.each([["allUsers"], ["allAuthenticatedUsers"]])(
    "rejects %s without an opt-out and accepts it with one",
    (member) => {
      expect(() => checkMember(testStack(), "member", member)).toThrow(
        `member = "${member}" makes the resource public`,
      );
      expect(checkMember(testStack(), "member", member, { reason: REASON })).toBe(member);
    },
  );

  it("rejects a public member whose opt-out reason is too short", () => {
    expect(() => checkMember(testStack(), "member", "allUsers", { reason: "public" })).toThrow(
      /member \(allowPublic\)\.reason = "public" is too short/,
    );
  });

  it("principal() wraps a checked member", () => {
    expect(principal(testStack(), "group:ops@example.com")).toEqual({
      member: "group:ops@example.com",
    });
    expect(() => principal(testStack(), "ops@example.com")).toThrow(/not a well-formed/);
  });
});
