#!/usr/bin/env node
// `npm run build`: plain JavaScript that Node runs without tsx, esbuild or TypeScript.
//
//   agent/dist/uplink-agent.mjs   the agent, one file, every dependency inside: no node_modules at
//                                 run time (what the Debian package ships, scripts/package-deb.sh)
//   server/dist/uplink-server.mjs the server and the operators' CLI: uplink's own code (server,
//   server/dist/uplink.mjs        shared) bundled; npm packages stay in node_modules (native
//                                 better-sqlite3, pg's worker, aedes), installed beside them
//
// Each with a source map (mappings only, no sources inside): run with --enable-source-maps (the
// bins and the unit do) and a stack trace names the TypeScript file and line.
// Target node18: the agent must run on Raspberry Pi OS Bookworm's Node 18.19.
// Usage: node scripts/build.mjs [--analyze]   (--analyze prints the agent's largest inputs)
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const version = JSON.parse(readFileSync(join(ROOT, "agent/package.json"), "utf8")).version;
const started = performance.now();

// An ES module bundle has no `require`; the CommonJS packages inside (mqtt's deps, pino) call it
// for Node's built-ins.
const requireShim = 'import { createRequire as __uplinkCreateRequire } from "node:module"; const require = __uplinkCreateRequire(import.meta.url);';

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node18",
  sourcemap: "linked",
  sourcesContent: false,
  legalComments: "none",
  logLevel: "warning",
  banner: { js: requireShim },
};

/**
 * Workspace code that finds files next to itself (`new URL("../../../dashboard/", import.meta.url)`)
 * keeps finding them from dist/: its `import.meta.url` becomes its own source file's URL, relative
 * to the bundle. (The agent has none; the server's dashboard, demo and PostgreSQL worker do.)
 */
function sourceRelativeMetaUrl(outdir) {
  return {
    name: "source-relative-import-meta-url",
    setup(build) {
      build.onLoad({ filter: /\/(server|shared|agent)\/src\/.*\.ts$/ }, (args) => {
        let contents = readFileSync(args.path, "utf8");
        if (contents.includes("import.meta.url")) {
          const rel = relative(outdir, args.path).split("\\").join("/");
          contents = contents.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        }
        return { contents, loader: "ts" };
      });
    },
  };
}

/** npm packages stay external (resolved from node_modules at run time); uplink's own are bundled. */
const externalPackages = {
  name: "external-npm-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@uplink/") || args.path.startsWith("node:")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const agentOut = join(ROOT, "agent/dist");
const serverOut = join(ROOT, "server/dist");
rmSync(agentOut, { recursive: true, force: true });
rmSync(serverOut, { recursive: true, force: true });

const agent = await esbuild.build({
  ...common,
  entryPoints: { "uplink-agent": join(ROOT, "agent/src/cli/bin.ts") },
  outdir: agentOut,
  outExtension: { ".js": ".mjs" },
  minify: true,
  // Stack traces and pino's error serializer keep class names (AgentError, ...).
  keepNames: true,
  metafile: true,
  define: { __UPLINK_AGENT_VERSION__: JSON.stringify(version) },
  // pino: the agent logs plain JSON to stdout (the journal), never through a transport, so the
  // worker-thread files pino would look for next to the bundle are never needed.
});

await esbuild.build({
  ...common,
  entryPoints: { "uplink-server": join(ROOT, "server/src/main.ts"), uplink: join(ROOT, "server/src/cli/main.ts") },
  outdir: serverOut,
  outExtension: { ".js": ".mjs" },
  plugins: [externalPackages, sourceRelativeMetaUrl(serverOut)],
});

// Every import left in the agent's bundle must be of something inside it or a Node built-in:
// there is no node_modules beside it on a Pi. These three are optional: their require() sits in
// a try/catch that falls back (debug's colours, ws's native speed-ups), and they are not installed.
const OPTIONAL = new Set(["supports-color", "bufferutil", "utf-8-validate"]);
for (const [file, out] of Object.entries(agent.metafile.outputs)) {
  const stray = out.imports.filter((i) => i.external && !isBuiltin(i.path) && !OPTIONAL.has(i.path));
  if (stray.length) {
    console.error(`build: ${relative(ROOT, file)} imports from outside itself: ${stray.map((i) => i.path).join(", ")}`);
    process.exit(1);
  }
}


/**
 * Keeps only the mappings into uplink's own sources: a trace's frames in agent/ and shared/ name
 * the TypeScript line, frames inside a bundled npm package stay at the bundle's line and column.
 * Node holds a loaded source map in memory for the process's life (--enable-source-maps): the
 * whole map cost the agent ~5 MB of RSS on a Pi, this one a fifth of that.
 */
function trimSourceMap(path, keep) {
  const map = JSON.parse(readFileSync(path, "utf8"));
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const decode = (text) => {
    const out = [];
    let value = 0;
    let shift = 0;
    for (const ch of text) {
      const digit = B64.indexOf(ch);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        out.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
    return out;
  };
  const encode = (n) => {
    let v = n < 0 ? (-n << 1) | 1 : n << 1;
    let text = "";
    do {
      let digit = v & 31;
      v >>>= 5;
      if (v > 0) digit |= 32;
      text += B64[digit];
    } while (v > 0);
    return text;
  };
  const kept = map.sources.map((s) => keep(s));
  const newIndex = [];
  map.sources.forEach((s, i) => kept[i] && (newIndex[i] = newIndex.filter((x) => x !== undefined).length));
  const usedNames = new Map();
  // Absolute values carried across the whole mapping, as the format has it.
  let src = 0, line = 0, col = 0, name = 0;
  let oSrc = 0, oLine = 0, oCol = 0, oName = 0;
  const lines = map.mappings.split(";").map((group) => {
    let oGen = 0;
    const out = [];
    for (const seg of group ? group.split(",") : []) {
      const f = decode(seg);
      const gen = (out.genAbs ?? 0) + f[0];
      out.genAbs = gen;
      if (f.length < 4) continue;
      src += f[1];
      line += f[2];
      col += f[3];
      if (f.length > 4) name += f[4];
      if (!kept[src]) continue;
      let text = encode(gen - oGen) + encode(newIndex[src] - oSrc) + encode(line - oLine) + encode(col - oCol);
      oGen = gen;
      oSrc = newIndex[src];
      oLine = line;
      oCol = col;
      if (f.length > 4) {
        if (!usedNames.has(name)) usedNames.set(name, usedNames.size);
        const n = usedNames.get(name);
        text += encode(n - oName);
        oName = n;
      }
      out.push(text);
    }
    return out.join(",");
  });
  map.sources = map.sources.filter((_, i) => kept[i]);
  map.names = [...usedNames.keys()].map((i) => map.names[i]);
  map.mappings = lines.join(";");
  writeFileSync(path, JSON.stringify(map));
}

if (process.argv.includes("--analyze")) {
  console.log(await esbuild.analyzeMetafile(agent.metafile, { verbose: false }));
}
trimSourceMap(join(agentOut, "uplink-agent.mjs.map"), (source) => !source.includes("node_modules/"));
writeFileSync(join(agentOut, "VERSION"), `${version}\n`);
// The npm packages inside the agent's bundle, with their licenses: the Debian package's copyright.
const bundled = new Map();
for (const input of Object.keys(agent.metafile.inputs)) {
  const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
  if (!m || bundled.has(m[2])) continue;
  const pkg = JSON.parse(readFileSync(join(ROOT, m[1], "package.json"), "utf8"));
  bundled.set(m[2], `${pkg.name} ${pkg.version} ${typeof pkg.license === "string" ? pkg.license : "see its package"}`);
}
writeFileSync(join(agentOut, "bundled-packages.txt"), [...bundled.values()].sort().join("\n") + "\n");
const size = (f) => `${(readFileSync(f).length / 1024).toFixed(0)} KiB`;
console.log(
  `build: agent/dist/uplink-agent.mjs ${size(join(agentOut, "uplink-agent.mjs"))} (map ${size(join(agentOut, "uplink-agent.mjs.map"))}),` +
    ` server/dist/{uplink-server,uplink}.mjs, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
