// Each diagram the Python side wrote (tests/test_mermaid.py) parsed by mermaid 12 itself, as
// GitHub's renderer would: `NAME.mmd` must parse as a flowchart, and what mermaid read must be
// what `NAME.json` says was meant: the same node ids, each label's text once decoded equal to
// the label meant (program text could not end a label early or add a node, edge, class, click
// or subgraph), the same number of edges, only the fixed classes, no link or callback.
// mermaid.parse needs a DOM (DOMPurify) in node: jsdom's window and document are made global.
// Run: MERMAID_DIAGRAMS=DIR node --test tests/mermaid/parse.test.mjs
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

const MAX_TEXT_SIZE = 50000; // mermaid's default maxTextSize
const MAX_EDGES = 500; // mermaid's default maxEdges
const CLASSES = new Set(["violation", "untrusted", "guardrail", "summary", "stopped"]);

const directory = process.env.MERMAID_DIAGRAMS;
assert.ok(directory, "MERMAID_DIAGRAMS names the directory of the diagrams to check");
const names = readdirSync(directory)
  .filter((name) => name.endsWith(".mmd"))
  .map((name) => name.slice(0, -4));
test("there are diagrams to check", () => assert.ok(names.length > 0));

// Mermaid keeps `#code;` entities as its own markers until it draws (encodeEntities); drawn,
// they are HTML entities, which a textarea (raw text, no tags) decodes as a browser would.
function decoded(text) {
  const html = text.replaceAll("ﬂ°°", "&#").replaceAll("ﬂ°", "&").replaceAll("¶ß", ";");
  const area = dom.window.document.createElement("textarea");
  area.innerHTML = html;
  return area.value;
}

for (const name of names) {
  test(name, async () => {
    const text = readFileSync(join(directory, `${name}.mmd`), "utf8");
    const meant = JSON.parse(readFileSync(join(directory, `${name}.json`), "utf8"));
    assert.ok(text.length <= MAX_TEXT_SIZE, `${text.length} characters`);
    assert.deepEqual(await mermaid.parse(text), { diagramType: "flowchart-v2", config: {} });
    const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
    const vertices = db.getVertices();
    assert.deepEqual([...vertices.keys()].sort(), Object.keys(meant.labels).sort());
    for (const [id, vertex] of vertices) {
      assert.equal(decoded(vertex.text), meant.labels[id], `the label of ${id}`);
      assert.equal(vertex.link, undefined, `a link on ${id}`);
      assert.ok(!vertex.classes.includes("clickable"), `a click on ${id}`);
      for (const name of vertex.classes) assert.ok(CLASSES.has(name), `class ${name}`);
      assert.deepEqual(vertex.styles, [], `a style on ${id}`);
    }
    const edges = db.getEdges();
    assert.equal(edges.length, meant.edges);
    assert.ok(edges.length <= MAX_EDGES);
    for (const name of db.getClasses().keys()) assert.ok(CLASSES.has(name), `classDef ${name}`);
    assert.deepEqual(db.getSubGraphs(), []);
    assert.equal(db.getTooltip("n1"), undefined);
  });
}
