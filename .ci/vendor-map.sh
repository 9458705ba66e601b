#!/usr/bin/env bash
# Vendor the map's WebGL scatter plot library into the site (run after changing its version in
# package.json; `npm ci --ignore-scripts` first). Writes, from node_modules:
#
#   docs/assets/javascripts/vendor/regl-scatterplot.min.js   one minified classic script (esbuild,
#       pinned in package.json) defining window.createScatterplot: regl-scatterplot and the
#       packages it bundles or imports (regl, pub-sub-es)
#   docs/assets/javascripts/vendor/regl-scatterplot.LICENSES.txt   their licences
#   docs/assets/javascripts/vendor/regl-scatterplot.json      what went in: name, version and
#       package-lock integrity of each package, and the bundle's SHA-256
#
# tests/test_vendor.py checks that the three agree with package-lock.json and, when node_modules
# is there, that this script reproduces the bundle byte for byte.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out=docs/assets/javascripts/vendor
mkdir -p "$out"
node_modules/.bin/esbuild .ci/vendor/map-entry.js --bundle --minify --format=iife --target=es2020 \
    --legal-comments=none --log-level=warning --outfile="$out/regl-scatterplot.min.js"
node - "$out" <<'JS'
const fs = require("fs"), path = require("path"), crypto = require("crypto")
const out = process.argv[2]
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages
const names = ["regl-scatterplot", "regl", "pub-sub-es", "regl-line", "dom-2d-camera", "camera-2d-simple",
               "gl-matrix", "earcut", "@flekschas/utils"]
const packages = names.map(name => {
  const entry = lock[`node_modules/${name}`]
  if (!entry) throw new Error(`${name} is not in package-lock.json`)
  return { name, version: entry.version, integrity: entry.integrity, license: entry.license || null }
})
let licences = "Licences of the packages bundled in regl-scatterplot.min.js (vendored by .ci/vendor-map.sh).\n"
for (const p of packages) {
  const dir = path.join("node_modules", p.name)
  const file = fs.readdirSync(dir).find(f => /^licen[cs]e/i.test(f))
  licences += `\n==== ${p.name} ${p.version} ====\n\n` + (file ? fs.readFileSync(path.join(dir, file), "utf8") : `${p.license}\n`)
}
fs.writeFileSync(path.join(out, "regl-scatterplot.LICENSES.txt"), licences)
const bundle = fs.readFileSync(path.join(out, "regl-scatterplot.min.js"))
const manifest = {
  bundle: "regl-scatterplot.min.js",
  sha256: crypto.createHash("sha256").update(bundle).digest("hex"),
  bundler: { name: "esbuild", version: lock["node_modules/esbuild"].version },
  packages,
}
fs.writeFileSync(path.join(out, "regl-scatterplot.json"), JSON.stringify(manifest, null, 2) + "\n")
JS
