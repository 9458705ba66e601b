// The entry of docs/assets/javascripts/vendor/regl-scatterplot.min.js (see .ci/vendor-map.sh):
// the pinned npm package regl-scatterplot (with regl and pub-sub-es) as one classic script
// that defines window.createScatterplot. No module loader, nothing fetched at view time.
import createScatterplot from "regl-scatterplot"

globalThis.createScatterplot = createScatterplot
