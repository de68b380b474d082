import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { ServiceAccount as GoogleServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ValidationError } from "../../constructs/core/errors";
import { Network } from "../../constructs/gcp/network";
import { checkContainerImage, registryHosts } from "../../constructs/gcp/image-reference";
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
    expect(script).toContain(`configure-docker --quiet \${${repoRef}.location}-docker.pkg.dev\n`);
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
      /is not a fully qualified image reference|has an invalid tag/,
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
