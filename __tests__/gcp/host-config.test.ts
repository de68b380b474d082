import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { ValidationError } from "../../constructs/core/errors";
import { Network } from "../../constructs/gcp/network";
import { Vm, type VmFile, type VmProps } from "../../constructs/gcp/vm";
import { testStack } from "../helpers/synth";
import {
  bashSyntax,
  hasShellcheck,
  instanceOf,
  REGISTRY,
  sa,
  setup,
  SHA,
  shellcheck,
} from "../helpers/vm";

describe("Vm host packages, files and units", () => {
  const files: VmFile[] = [
    {
      path: "/etc/nginx/conf.d/site.conf",
      content: "server {\n    listen 80;\n    return 301 https://$host$request_uri;\n}\n",
      reloadService: "nginx",
    },
    {
      path: "/etc/nginx/conf.d/site-tls.conf",
      content: "server { listen 443 ssl; }",
      mode: "640",
      reloadService: "nginx",
      onlyIfExists: "/etc/letsencrypt/live/example.com/fullchain.pem",
    },
    { path: "/opt/scripts/report.sh", content: 'echo "${HOME}" %{x}\n', mode: "0750" },
  ];
  const { stack, vm } = setup({
    hostPackages: ["nginx", "certbot", "python3-certbot-nginx", "libc6-dev", "g++"],
    files,
    enableUnits: ["nginx.service", "backup.timer"],
  });
  const script = vm.renderedStartupScript;

  it("passes bash -n", () => {
    expect(bashSyntax(script)).toEqual({ status: 0, stderr: "" });
  });

  (hasShellcheck ? it : it.skip)("passes shellcheck -S warning (skipped: no shellcheck)", () => {
    expect(shellcheck(script)).toEqual({ status: 0, stdout: "" });
  });

  it("installs the missing host packages with apt", () => {
    expect(script).toContain("for pkg in nginx certbot python3-certbot-nginx libc6-dev g++; do\n");
    expect(script).toContain("apt-get install -y -q --no-install-recommends $missing\n");
    // Packages before files, files before the containers.
    const order = ["for pkg in", "# Host files", "# Container units"].map((s) => script.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i > 0)).toBe(true);
  });

  it("writes each file through a quoted heredoc with its mode", () => {
    expect(script).toContain(
      `if install_file 0644 /etc/nginx/conf.d/site.conf <<'EOF_HOST_FILE'\n${files[0].content}EOF_HOST_FILE\nthen\n`,
    );
    expect(script).toContain("install_file 0750 /opt/scripts/report.sh <<'EOF_HOST_FILE'\n");
  });

  it("writes an onlyIfExists file only while the path exists, and removes it otherwise", () => {
    expect(script).toContain(
      "if [ -e /etc/letsencrypt/live/example.com/fullchain.pem ]; then\n  if install_file 0640 /etc/nginx/conf.d/site-tls.conf <<'EOF_HOST_FILE'\nserver { listen 443 ssl; }\nEOF_HOST_FILE\n",
    );
    expect(script).toContain(
      'elif [ -e /etc/nginx/conf.d/site-tls.conf ]; then\n  log "removing /etc/nginx/conf.d/site-tls.conf: /etc/letsencrypt/live/example.com/fullchain.pem does not exist"\n  rm -f /etc/nginx/conf.d/site-tls.conf\n  append_once reload nginx\nfi\n',
    );
  });

  it("enables the host units and reloads each changed file's unit once, at the end", () => {
    expect(script).toContain("systemctl enable --now nginx.service backup.timer\n");
    expect(script.match(/append_once reload nginx/g)).toHaveLength(3);
    expect(script).toMatch(
      /for unit in \$reload; do\n.*\n {2}systemctl reload-or-restart "\$unit"\ndone\nlog "done: core-engine"\n$/,
    );
  });

  it("escapes a literal ${ or %{ so that Terraform writes it unchanged", () => {
    // The script holds the file as written; the stack's text aspect escapes it in the JSON.
    expect(script).toContain('echo "${HOME}" %{x}\n');
    const metadata = instanceOf(stack).metadata as Record<string, string>;
    expect(metadata["startup-script"]).toContain('echo "$${HOME}" %%{x}\n');
    const literal = metadata["startup-script"].replace(/\$\$\{|%%\{/g, "");
    expect(literal).not.toMatch(/[$%]\{/);
  });

  it("keeps a Terraform reference in a file, and picks a delimiter the content lacks", () => {
    const s = testStack();
    const network = new Network(s, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    const bucket = new StorageBucket(s, "bucket", { name: "b", location: "US" });
    new Vm(s, "vm", {
      name: "bot",
      zone: "us-central1-a",
      network,
      machineType: "e2-standard-2",
      serviceAccount: sa,
      services: [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` }],
      files: [
        {
          path: "/etc/backup.conf",
          content: `BUCKET=gs://${bucket.name}\nEOF_HOST_FILE\nEOF_HOST_FILE_X\n`,
        },
      ],
    });
    const startup = (instanceOf(s).metadata as Record<string, string>)["startup-script"];
    expect(startup).toContain(
      "<<'EOF_HOST_FILE_X_X'\nBUCKET=gs://${google_storage_bucket.bucket.name}\nEOF_HOST_FILE\nEOF_HOST_FILE_X\nEOF_HOST_FILE_X_X\n",
    );
  });

  it("adds the final newline a heredoc needs, and writes empty content as an empty file", () => {
    const { vm: empty } = setup({
      files: [
        { path: "/etc/a.conf", content: "" },
        { path: "/etc/b.conf", content: "no newline" },
      ],
    });
    expect(empty.renderedStartupScript).toContain(
      "install_file 0644 /etc/a.conf <<'EOF_HOST_FILE'\nEOF_HOST_FILE\n",
    );
    expect(empty.renderedStartupScript).toContain("<<'EOF_HOST_FILE'\nno newline\nEOF_HOST_FILE\n");
  });

  it("renders nothing new for a VM without packages, files, units or limits", () => {
    const plain = setup().vm.renderedStartupScript;
    expect(plain).not.toMatch(
      /append_once reload|Host files|for pkg in|\$reload|reload-or-restart|\.slice|enable --now nginx/,
    );
  });

  const image = `${REGISTRY}/core-engine:${SHA}`;
  it.each<[Partial<VmProps>, RegExp]>([
    [{ hostPackages: ["Nginx"] }, /hostPackages\[0\] = "Nginx" is not a Debian package name/],
    [{ hostPackages: ["nginx=1.22"] }, /hostPackages\[0\] = "nginx=1.22" is not a Debian package/],
    [{ hostPackages: ["nginx;reboot"] }, /hostPackages\[0\] = "nginx;reboot" is not a Debian/],
    [{ hostPackages: ["-y"] }, /hostPackages\[0\] = "-y" is not a Debian package name/],
    [{ hostPackages: ["a"] }, /hostPackages\[0\] = "a" is not a Debian package name/],
    [{ hostPackages: ["nginx", "nginx"] }, /hostPackages\[1\] = "nginx" is listed twice/],
    [
      { hostPackages: "nginx" as never },
      /hostPackages = "nginx" has the wrong type\.\n {2}Fix: give an array, not the string "nginx"/,
    ],
    [
      { files: [{ path: "etc/x.conf", content: "x" }] },
      /files\[0\].path = "etc\/x.conf" is not a plain absolute path/,
    ],
    [
      { files: [{ path: "/etc/nginx/../shadow", content: "x" }] },
      /files\[0\].path = "\/etc\/nginx\/..\/shadow" is not a plain absolute path/,
    ],
    [{ files: [{ path: "/etc/./x", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc/nginx/", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc//x", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc/my file", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc/$(id)", content: "x" }] }, /is not a plain absolute path/],
    [
      { files: [{ path: "/proc/sys/kernel/x", content: "x" }] },
      /files\[0\].path = "\/proc\/sys\/kernel\/x" is on a virtual or boot file system/,
    ],
    [
      { files: [{ path: "/opt/scripts/deploy.sh", content: "x" }] },
      /files\[0\].path = "\/opt\/scripts\/deploy.sh" is written by the Vm construct itself/,
    ],
    [
      { files: [{ path: "/etc/systemd/system/core-engine.service", content: "x" }] },
      /is written by the Vm construct itself/,
    ],
    [
      { files: [{ path: "/etc/systemd/system/core-engine.service.d/x.conf", content: "x" }] },
      /is written by the Vm construct itself/,
    ],
    [
      {
        files: [
          { path: "/etc/x", content: "a" },
          { path: "/etc/x", content: "b" },
        ],
      },
      /files\[1\].path = "\/etc\/x" is listed twice/,
    ],
    [
      { files: [{ path: "/etc/x", content: 42 as never }] },
      /files\[0\]\.content = 42 has the wrong type\.\n {2}Fix: give a string, not the number 42/,
    ],
    [
      { files: [{ path: "/etc/x", content: "a\0b" }] },
      /files\[0\].content = "\(contains a NUL byte\)" is not text/,
    ],
    [
      {
        files: [{ path: "/etc/systemd/system/x.service", content: "# managed-by: vm-construct\n" }],
      },
      /files\[0\].content = "# managed-by: vm-construct" has a line starting with/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", mode: "0777" }] },
      /files\[0\].mode = "0777" makes the file writable by every user/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", mode: "4755" }] },
      /files\[0\].mode = "4755" is not an octal file mode/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", mode: "rw-r--r--" }] },
      /files\[0\].mode = "rw-r--r--" is not an octal file mode/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", reloadService: "nginx; reboot" }] },
      /files\[0\].reloadService = "nginx; reboot" is not a systemd unit name/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", onlyIfExists: "cert.pem" }] },
      /files\[0\].onlyIfExists = "cert.pem" is not a plain absolute path/,
    ],
    [{ files: [null as never] }, /files\[0\] = null is not a file/],
    [
      { enableUnits: ["nginx"] },
      /enableUnits\[0\] = "nginx" is not a systemd unit name with its type/,
    ],
    [{ enableUnits: ["a.timer", "a.timer"] }, /enableUnits\[1\] = "a.timer" is listed twice/],
    [
      { enableUnits: ["x.service; reboot"] },
      /enableUnits\[0\] = "x.service; reboot" is not a systemd/,
    ],
  ])("rejects %j", (overrides, message) => {
    let error: unknown;
    try {
      setup({ services: [{ name: "core-engine", image }], ...overrides });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it("rejects a $ right before a Terraform reference", () => {
    const s = testStack();
    const network = new Network(s, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    const bucket = new StorageBucket(s, "bucket", { name: "b", location: "US" });
    expect(
      () =>
        new Vm(s, "vm", {
          name: "bot",
          zone: "us-central1-a",
          network,
          machineType: "e2-standard-2",
          serviceAccount: sa,
          services: [{ name: "core-engine", image }],
          files: [{ path: "/etc/x", content: `PRICE=$${bucket.name}` }],
        }),
    ).toThrow(/files\[0\].content = .* has a '\$' or '%' right before a Terraform reference/);
  });
});
