import fc from "fast-check";
import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { ServiceAccount as GoogleServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ValidationError } from "../../constructs/core/errors";
import { Network } from "../../constructs/gcp/network";
import {
  checkContainerImage,
  isRegistryHost,
  parseImageReference,
  registryHosts,
} from "../../constructs/gcp/image-reference";
import { Vm, type VmProps } from "../../constructs/gcp/vm";
import { testStack } from "../helpers/synth";
import { DIGEST, instanceOf, REGISTRY, setup, SHA, tradingVm } from "../helpers/vm";

describe("Vm images and registries", () => {
  it("configures docker for the Artifact Registry hosts of the images, once each", () => {
    const { vm } = tradingVm();
    const lines = vm.renderedStartupScript
      .split("\n")
      .filter((l) => l.includes("configure-docker"));
    expect(lines).toEqual(["gcloud auth configure-docker --quiet us-central1-docker.pkg.dev"]);
  });

  it("uses an explicit registryHost, and configures none for public registries", () => {
    const explicit = setup({ registryHost: "europe-west1-docker.pkg.dev" }).vm;
    expect(explicit.renderedStartupScript).toContain(
      "configure-docker --quiet europe-west1-docker.pkg.dev\n",
    );
    const dockerHub = setup({
      services: [{ name: "proxy", image: `docker.io/library/nginx@${DIGEST}` }],
    }).vm;
    expect(dockerHub.renderedStartupScript).not.toContain("configure-docker");
  });

  it("accepts an image whose registry path Terraform computes, and keeps the reference", () => {
    const stack = testStack();
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    const repo = new ArtifactRegistryRepository(stack, "repo", {
      repositoryId: "trading-bot-repo",
      format: "DOCKER",
      location: "us-central1",
    });
    const identity = new GoogleServiceAccount(stack, "sa", { accountId: "trading-bot-vm" });
    new Vm(stack, "vm", {
      name: "bot",
      zone: "us-central1-a",
      network,
      machineType: "e2-standard-4",
      serviceAccount: { email: identity.email, member: identity.member },
      services: [
        {
          name: "core-engine",
          image: {
            uri: `${repo.location}-docker.pkg.dev/${repo.project}/${repo.repositoryId}/core-engine:${SHA}`,
          },
        },
      ],
    });
    const instance = instanceOf(stack);
    const script = (instance.metadata as Record<string, string>)["startup-script"];
    const repoRef = "google_artifact_registry_repository.repo";
    expect(script).toContain(
      `Environment=IMAGE=\${${repoRef}.location}-docker.pkg.dev/\${${repoRef}.project}/\${${repoRef}.repository_id}/core-engine:3f9c2ab\n`,
    );
    // A host Terraform fills in goes into the shell line single-quoted.
    expect(script).toContain(`configure-docker --quiet '\${${repoRef}.location}-docker.pkg.dev'\n`);
    expect(script).toContain(
      `pinned="\${${repoRef}.location}-docker.pkg.dev/\${${repoRef}.project}/\${${repoRef}.repository_id}/core-engine:3f9c2ab"`,
    );
    expect(instance.service_account).toEqual({
      email: "${google_service_account.sa.email}",
      scopes: ["cloud-platform"],
    });
  });

  it("rejects a bad registryHost", () => {
    expect(() => setup({ registryHost: "https://us-central1-docker.pkg.dev" })).toThrow(
      /registryHost = "https:\/\/us-central1-docker.pkg.dev" is not a registry host name/,
    );
  });

  it.each<[VmProps["bootDisk"], RegExp]>([
    [
      { image: "cos-cloud/cos-stable" },
      /bootDisk.image = "cos-cloud\/cos-stable" is not an x86 Debian image/,
    ],
    [{ image: "debian-cloud/debian-12-arm64" }, /is not an x86 Debian image/],
    [{ image: "debian 12" }, /bootDisk.image = "debian 12" is not an image reference/],
  ])("rejects boot disk image %p", (bootDisk, message) => {
    expect(() => setup({ bootDisk })).toThrow(message);
  });

  it.each<[VmProps["services"], RegExp]>([
    [
      [{ name: "core-engine", image: `${REGISTRY}/core-engine:latest` }],
      /uses the moving tag latest.*commit SHA/s,
    ],
    [[{ name: "core-engine", image: `${REGISTRY}/core-engine` }], /has no tag, which means latest/],
    [
      [{ name: "core-engine", image: `${REGISTRY}/core-engine:v1.2.3` }],
      /is tagged "v1.2.3", which is not a commit SHA/,
    ],
    [
      [{ name: "core-engine", image: { uri: `${REGISTRY}/core-engine@sha256:abc` } }],
      /has an invalid digest/,
    ],
    [
      [{ name: "core-engine", image: `core-engine@${DIGEST}` }],
      /is not a fully qualified image reference/,
    ],
    [
      [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}; rm -rf /` }],
      /contains characters no image reference may hold/,
    ],
    [
      [{ name: "core-engine", image: { uri: 42 } as never }],
      /services\[0\].image = 42 is not an image reference/,
    ],
  ])("rejects image %#", (services, message) => {
    let error: unknown;
    try {
      setup({ services });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("checkContainerImage and registryHosts", () => {
  const stack = testStack();

  it("splits a pinned reference into host and repository, for a tag or a digest", () => {
    expect(checkContainerImage(stack, "image", `${REGISTRY}/core-engine:${SHA}`)).toEqual({
      image: `${REGISTRY}/core-engine:${SHA}`,
      host: "us-central1-docker.pkg.dev",
      repository: `${REGISTRY}/core-engine`,
    });
    expect(
      checkContainerImage(stack, "image", { uri: `registry.example.com:5000/a/b@${DIGEST}` }),
    ).toEqual({
      image: `registry.example.com:5000/a/b@${DIGEST}`,
      host: "registry.example.com:5000",
      repository: "registry.example.com:5000/a/b",
    });
  });

  it("keeps the Google registry hosts, each once, and drops the others", () => {
    const hosts = [
      "us-central1-docker.pkg.dev",
      "docker.io",
      "gcr.io",
      "us-central1-docker.pkg.dev",
    ];
    expect(registryHosts(stack, "registryHost", undefined, hosts)).toEqual([
      "us-central1-docker.pkg.dev",
      "gcr.io",
    ]);
    expect(registryHosts(stack, "registryHost", "europe-docker.pkg.dev", hosts)).toEqual([
      "europe-docker.pkg.dev",
    ]);
  });
});

describe("the image reference grammar", () => {
  const stack = testStack();
  const digest = "a".repeat(64);
  const refuse = (image: unknown): ValidationError => {
    try {
      checkContainerImage(stack, "services[0].image", image);
    } catch (e) {
      if (e instanceof ValidationError) return e;
      throw e;
    }
    throw new Error(`accepted ${String(image)}`);
  };

  it.each<[string, string]>([
    ["command substitution in the host", "$(id).example.com/team/app:3f9c2ab"],
    ["command substitution in the path", `${REGISTRY}/$(id)/app:3f9c2ab`],
    ["command substitution in the tag", `${REGISTRY}/app:$(id)`],
    ["backticks", `${REGISTRY}/\`id\`/app:3f9c2ab`],
    ["a command after ;", `${REGISTRY}/app:3f9c2ab;rm -rf /`],
    ["${IFS}", `${REGISTRY}/app\${IFS}x:3f9c2ab`],
    ["a newline", `${REGISTRY}/app:3f9c2ab\nreboot`],
    ["a space", `${REGISTRY}/app :3f9c2ab`],
    ["single quotes", `${REGISTRY}/'app':3f9c2ab`],
    ["double quotes", `${REGISTRY}/"app":3f9c2ab`],
    ["a pipe", `${REGISTRY}/app:3f9c2ab|sh`],
    ["an ampersand", `${REGISTRY}/app:3f9c2ab&`],
    ["a redirection", `${REGISTRY}/app:3f9c2ab>/etc/passwd`],
    ["an uppercase path", `${REGISTRY}/Core-Engine:3f9c2ab`],
    ["a double slash", "us-central1-docker.pkg.dev//trading-bot-repo/app:3f9c2ab"],
    ["a trailing slash", `${REGISTRY}/:3f9c2ab`],
    ["a leading separator", `${REGISTRY}/-app:3f9c2ab`],
    ["two dots", `${REGISTRY}/a..b:3f9c2ab`],
    ["a name of 256 characters", `registry.example.com/${"a".repeat(235)}/app:3f9c2ab`],
    ["a tag of 129 characters", `${REGISTRY}/app:${"a".repeat(129)}`],
    ["a short digest", `${REGISTRY}/app@sha256:${"a".repeat(63)}`],
    ["an uppercase digest", `${REGISTRY}/app@sha256:${"A".repeat(64)}`],
    ["an unknown digest algorithm", `${REGISTRY}/app@md5:${"a".repeat(32)}`],
    ["a digest without algorithm", `${REGISTRY}/app@${digest}`],
    ["two digests", `${REGISTRY}/app@sha256:${digest}@sha256:${digest}`],
    ["a host with an underscore", "my_registry.example.com/team/app:3f9c2ab"],
    ["a host label starting with a hyphen", "-registry.example.com/team/app:3f9c2ab"],
    ["a host label of 64 characters", `${"a".repeat(64)}.example.com/team/app:3f9c2ab`],
    ["a port above 65535", "registry.example.com:70000/team/app:3f9c2ab"],
    ["no registry host", `library/nginx@sha256:${digest}`],
    ["a URL", `https://${REGISTRY}/app:3f9c2ab`],
    ["a fake token marker", `\${TfToken[TOKEN.99999]}.example.com/team/app:3f9c2ab`],
    ["a half token marker", `\${TfToken[.example.com/team/app:3f9c2ab`],
  ])("refuses %s, naming the prop", (_, image) => {
    const error = refuse(image);
    expect(error.property).toBe("services[0].image");
    expect(error.message).toContain("services[0].image = ");
  });

  it.each<[string, string]>([
    ["a registry with a port", `registry.example.com:5000/team/app:3f9c2ab`],
    ["nested paths", `${REGISTRY}/team/sub/group/app:3f9c2ab`],
    ["a digest", `${REGISTRY}/app@sha256:${digest}`],
    ["a sha512 digest", `${REGISTRY}/app@sha512:${"b".repeat(128)}`],
    ["a tag and a digest", `${REGISTRY}/app:v1.2.3@sha256:${digest}`],
    ["an Artifact Registry host", "europe-west4-docker.pkg.dev/my-project/repo/app:3f9c2ab"],
    ["Container Registry", "eu.gcr.io/my-project/app:0123456789abcdef0123456789abcdef01234567"],
    ["separators in the path", `${REGISTRY}/a.b_c__d---e/app:3f9c2ab`],
    ["an IPv4 host", "10.0.0.5:5000/team/app:3f9c2ab"],
    ["a name of exactly 255 characters", `registry.example.com/${"a".repeat(230)}/app:3f9c2ab`],
  ])("accepts %s", (_, image) => {
    expect(checkContainerImage(stack, "image", image).image).toBe(image);
  });

  it("keeps the repository of a tag-and-digest reference without both", () => {
    expect(
      checkContainerImage(stack, "image", `${REGISTRY}/app:v1@sha256:${digest}`).repository,
    ).toBe(`${REGISTRY}/app`);
  });

  it("accepts a real cdktf token in the host, and the grammar still holds around it", () => {
    const s = testStack();
    const repo = new ArtifactRegistryRepository(s, "repo", {
      repositoryId: "repo",
      format: "DOCKER",
      location: "us-central1",
    });
    const location = repo.location;
    const ok = `${location}-docker.pkg.dev/${repo.project}/repo/app:3f9c2ab`;
    expect(checkContainerImage(s, "image", ok).host).toBe(`${location}-docker.pkg.dev`);
    for (const bad of [
      `${repo.location}-docker.pkg.dev/${repo.project}/re po/app:3f9c2ab`,
      `${repo.location};id.pkg.dev/repo/app:3f9c2ab`,
      `${repo.location}-docker.pkg.dev/$(id)${repo.project}/app:3f9c2ab`,
      `${repo.location}-docker.pkg.dev/repo/${repo.repositoryId}`,
      `${repo.location}-docker.pkg.dev/repo/app:${repo.repositoryId}`,
    ]) {
      expect(() => checkContainerImage(s, "image", bad)).toThrow(ValidationError);
    }
  });

  it("checks registry hosts as RFC 1123 names", () => {
    expect(isRegistryHost("us-central1-docker.pkg.dev")).toBe(true);
    expect(isRegistryHost("registry.example.com:5000")).toBe(true);
    for (const bad of [
      "localhost",
      "a_b.example.com",
      "-a.example.com",
      "a.example.com:0",
      "a b.c",
    ]) {
      expect(isRegistryHost(bad)).toBe(false);
    }
    expect(
      isRegistryHost(`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`),
    ).toBe(false);
  });

  // Grammar-valid references, built from the productions, are accepted; one shell
  // metacharacter put anywhere into them makes them refused.
  const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  const separator = fc.constantFrom(".", "_", "__", "-", "--");
  const pathComponent = fc
    .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
    .map(([first, rest]) => first + rest.map(([sep, a]) => sep + a).join(""));
  const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
  const domain = fc
    .tuple(
      fc.array(label, { minLength: 2, maxLength: 3 }),
      fc.option(fc.integer({ min: 1, max: 65535 })),
    )
    .map(([labels, port]) => labels.join(".") + (port === null ? "" : `:${port}`));
  const pin = fc.oneof(
    fc.stringMatching(/^[0-9a-f]{7,40}$/).map((sha) => `:${sha}`),
    fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `@sha256:${hex}`),
    fc
      .tuple(fc.stringMatching(/^\w[\w.-]{0,10}$/), fc.stringMatching(/^[0-9a-f]{64}$/))
      .map(([tag, hex]) => `:${tag}@sha256:${hex}`),
  );
  const reference = fc
    .tuple(domain, fc.array(pathComponent, { minLength: 2, maxLength: 4 }), pin)
    .map(([d, path, p]) => `${d}/${path.join("/")}${p}`);

  it("accepts every grammar-valid pinned reference (property)", () => {
    fc.assert(
      fc.property(reference, (ref) => {
        expect(parseImageReference(ref)).toBeDefined();
        expect(checkContainerImage(stack, "image", ref).image).toBe(ref);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a reference with a shell metacharacter injected anywhere (property)", () => {
    const meta = fc.constantFrom(
      "$(id)",
      "`id`",
      ";",
      " ",
      "'",
      '"',
      "\n",
      "|",
      "&",
      "<",
      ">",
      "\\",
      "${IFS}",
      "*",
      "?",
      "!",
      "#",
      "~",
      "(",
      ")",
      "{",
      "}",
      "\t",
    );
    fc.assert(
      fc.property(reference, meta, fc.nat(), (ref, m, at) => {
        const i = at % (ref.length + 1);
        const hostile = ref.slice(0, i) + m + ref.slice(i);
        expect(() => checkContainerImage(stack, "image", hostile)).toThrow(ValidationError);
      }),
      { numRuns: 500 },
    );
  });
});

describe("registry hosts that are addresses", () => {
  it.each([
    ["0.0", false],
    ["10.0.0", false],
    ["10.0.0.1", true],
    ["10.0.0.1:5000", true],
    ["registry.example.com:5000", true],
  ])("%s -> %p", (host, ok) => {
    expect(isRegistryHost(host)).toBe(ok);
  });
});
