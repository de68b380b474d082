import * as fs from "node:fs";
import * as path from "node:path";

// A user learns the library from help/: every page must be reachable from getting-started.md.
const help = path.resolve(__dirname, "..", "help");

describe("help/getting-started.md", () => {
  const index = fs.readFileSync(path.join(help, "getting-started.md"), "utf8");
  const pages = fs.readdirSync(help).filter((f) => f.endsWith(".md") && f !== "getting-started.md");

  it.each(pages)("links %s", (page) => {
    expect(index).toContain(`](${page})`);
  });

  it("links no page that does not exist", () => {
    const linked = [...index.matchAll(/\]\(([a-z0-9-]+\.md)\)/g)].map((m) => m[1]);
    expect(linked.filter((page) => !fs.existsSync(path.join(help, page!)))).toEqual([]);
  });
});
