/*
 * Paper Atlas map page: every paper as a point (generator/site/map.py writes the data), drawn with
 * the vendored regl-scatterplot (WebGL; vendor/regl-scatterplot.min.js, window.createScatterplot).
 *
 * The page first shows a static picture made at build time (a sample of the points, the region
 * labels as links). The WebGL library (about 220 KB) and the data are loaded only when the reader
 * starts to use the map: a pointer over it or a touch, the keyboard focus in it, the "Explore the
 * map" button, a query typed in the header's search box, or a URL that asks for a paper or a tag
 * (?paper=, ?tag=). Then it fetches map/<version>/points.bin (5 bytes a paper) and labels.json;
 * titles come in chunks of papers (titles-<k>.json) when a point is hovered, focused or asked for;
 * tag-<id>.bin for ?tag=<id>; search.bin and a search worker on the first query. Corpus text
 * (titles, bylines, topic names) only ever goes into textContent.
 *
 * Without WebGL or JavaScript the page keeps its picture, its explanation and links to the lists.
 */
"use strict";
(function () {
  const root = document.getElementById("pa-map")
  const configElement = document.getElementById("pa-map-config")
  if (!root || !configElement)
    return
  const config = JSON.parse(configElement.textContent)
  const fallback = root.querySelector(".pa-map-fallback")
  const explore = document.getElementById("pa-map-explore")
  const searchBox = document.querySelector("[data-md-component=search-query]")
  if (!config.count)
    return

  /* ------------------------------------------------------------------------------- labels */

  /* Labels come strongest first (generator/site/map.py). Where two would overlap on this screen,
     the weaker one is hidden; boxes are [left, top, right, bottom] in the same pixels, 2 px apart. */
  function overlaps(a, b) {
    return a[0] < b[2] + 2 && b[0] < a[2] + 2 && a[1] < b[3] + 2 && b[1] < a[3] + 2
  }
  function declutter(items) {
    const kept = []
    for (const item of items) {
      if (!item.box)
        continue
      const clash = kept.some(box => overlaps(box, item.box))
      item.el.hidden = clash
      if (!clash)
        kept.push(item.box)
    }
  }
  /* The static picture's labels: placed by the page's CSS, decluttered on load and on resize */
  const previewLabels = [...root.querySelectorAll(".pa-map-preview .pa-map-label")]
  function declutterPreview() {
    for (const el of previewLabels)
      el.hidden = false
    declutter(previewLabels.map(el => {
      const r = el.getBoundingClientRect()
      return { el, box: r.width ? [r.left, r.top, r.right, r.bottom] : null }
    }))
  }
  if (previewLabels.length > 1) {
    declutterPreview()
    if (typeof ResizeObserver === "function")
      new ResizeObserver(declutterPreview).observe(root)
  }

  /* ------------------------------------------------------------------------------- loading */

  let loading = null
  let focusWhenReady = false
  function loadLibrary() {
    if (typeof window.createScatterplot === "function")
      return Promise.resolve()
    return new Promise((resolve, reject) => {
      const script = document.createElement("script")
      script.src = new URL(config.library, document.baseURI).href
      script.onload = () => resolve()
      script.onerror = () => reject(new Error("map: the drawing library did not load"))
      document.head.append(script)
    })
  }
  function explain(state) {
    root.dataset.state = state
    if (explore)
      explore.hidden = true
    if (fallback)
      fallback.hidden = false
  }
  function begin(focus) {
    focusWhenReady = focusWhenReady || Boolean(focus)
    if (loading)
      return loading
    const probe = document.createElement("canvas")
    if (!(probe.getContext("webgl2") || probe.getContext("webgl"))) {
      explain("no-webgl")
      loading = Promise.resolve()
      return loading
    }
    root.dataset.state = "loading"
    if (explore)
      explore.textContent = "Loading the map…"
    loading = loadLibrary().then(interactive).catch(err => {
      console.warn(err)
      explain("failed")
    })
    return loading
  }

  if (fallback)
    fallback.hidden = true
  if (explore) {
    explore.hidden = false
    explore.addEventListener("click", () => begin(true))
  }
  root.addEventListener("pointerenter", () => begin(false), { once: true })
  root.addEventListener("pointerdown", () => begin(false), { once: true })
  root.addEventListener("focusin", ev => begin(ev.target === explore), { once: true })
  root.addEventListener("keydown", () => begin(true), { once: true })
  if (searchBox)
    searchBox.addEventListener("input", () => begin(false), { once: true })
  const asked = new URLSearchParams(window.location.search)
  if (asked.get("paper") || asked.get("tag"))
    begin(false)

  /* The map itself, once the library is loaded */
  function interactive() {
    const base = new URL(config.base, document.baseURI)
    const n = config.count

    /* ------------------------------------------------------------------------------- the page */

    function element(tag, attributes, text) {
      const el = document.createElement(tag)
      for (const [key, value] of Object.entries(attributes || {}))
        el.setAttribute(key, value)
      if (text !== undefined)
        el.textContent = text
      return el
    }

    const stage = element("div", { class: "pa-map-stage" })
    const canvas = element("canvas", {
      tabindex: "0",
      role: "application",
      "aria-roledescription": "map",
      "aria-label": `Map of ${n} papers. Arrow keys move between papers, Enter opens one, Shift with the arrows pans, plus and minus zoom, 0 resets.`,
    })
    const labels = element("div", { class: "pa-map-labels" })
    const tip = element("div", { class: "pa-map-tip", role: "status", "aria-live": "polite" })
    const tipTitle = element("a", { class: "pa-map-tip__title" })
    const tipByline = element("span", { class: "pa-map-tip__byline" })
    tip.append(tipTitle, tipByline)
    tip.hidden = true
    const controls = element("div", { class: "pa-map-controls" })
    const buttons = {
      in: element("button", { type: "button", "aria-label": "Zoom in" }, "+"),
      out: element("button", { type: "button", "aria-label": "Zoom out" }, "−"),
      reset: element("button", { type: "button", "aria-label": "Show the whole map" }, "⤢"),
    }
    controls.append(buttons.in, buttons.out, buttons.reset)
    /* The page reserves the map's box and the status line, so nothing shifts when they fill */
    const status = document.getElementById("pa-map-status") || element("p", { class: "pa-map-status" })
    stage.append(canvas, labels, tip, controls)
    root.append(stage)

    /* ------------------------------------------------------------------------------- the data */

    const files = new Map()
    function load(path, binary) {
      if (!files.has(path)) {
        const file = fetch(new URL(path, base)).then(res => {
          if (!res.ok)
            throw new Error(`map ${path}: HTTP ${res.status}`)
          return binary ? res.arrayBuffer() : res.json()
        })
        file.catch(() => files.delete(path))
        files.set(path, file)
      }
      return files.get(path)
    }

    /* [id, title, byline] of point i */
    async function paper(i) {
      const rows = await load(`titles-${Math.floor(i / config.chunk)}.json`)
      return rows[i % config.chunk]
    }

    /* Point index of a paper id, or -1: the chunk whose first id is the last <= id, then a search */
    async function indexOf(id) {
      let lo = 0, hi = config.firsts.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (config.firsts[mid] <= id) lo = mid + 1
        else hi = mid
      }
      const chunk = Math.max(lo - 1, 0)
      const rows = await load(`titles-${chunk}.json`)
      const k = rows.findIndex(row => row[0] === id)
      return k < 0 ? -1 : chunk * config.chunk + k
    }

    function paperUrl(id) {
      return new URL(config.paper[0] + encodeURIComponent(id) + config.paper[1], document.baseURI).href
    }

    /* ------------------------------------------------------------------------------- colours */

    function rgba(css, alpha) {
      const m = String(css).match(/[\d.]+/g) || ["255", "255", "255"]
      return [m[0] / 255, m[1] / 255, m[2] / 255, alpha === undefined ? 1 : alpha]
    }
    function background() {
      return rgba(getComputedStyle(document.body).backgroundColor)
    }
    function isDark() {
      return document.body.getAttribute("data-md-color-scheme") === "slate"
    }
    /* Legend order is the colour index; 255 (no tag) is the last category */
    const colours = config.legend.map(e => e.colour)
    const category = new Map(config.legend.map((e, k) => [e.index, k]))

    /* ------------------------------------------------------------------------------- drawing */

    const pointSize = n > 50000 ? 2 : n > 5000 ? 3 : 6
    const scatterplot = window.createScatterplot({
      canvas,
      width: "auto",
      height: "auto",
      backgroundColor: background(),
      pointColor: colours,
      colorBy: "valueA",
      pointSize,
      pointSizeSelected: 2,
      pointOutlineWidth: 2,
      pointColorActive: isDark() ? [1, 1, 1, 1] : [0, 0, 0, 1],
      pointColorHover: isDark() ? [1, 1, 1, 1] : [0, 0, 0, 1],
      opacityInactiveMax: 1,
      reticleColor: isDark() ? [1, 1, 1, 0.5] : [0, 0, 0, 0.4],
      lassoOnLongPress: false,
      deselectOnDblClick: false,
      deselectOnEscape: false,
    })

    let xs = null, ys = null
    let labelData = []
    let hovered = -1 // the point under the pointer, or the point with the keyboard focus
    let highlighted = null // Uint32Array of highlighted points, or null

    async function start() {
      const [buffer, labelFile] = await Promise.all([load("points.bin", true), load("labels.json")])
      const qx = new Uint16Array(buffer, 0, n)
      const qy = new Uint16Array(buffer, 2 * n, n)
      const colour = new Uint8Array(buffer, 4 * n, n)
      xs = new Float32Array(n)
      ys = new Float32Array(n)
      const valueA = new Float32Array(n)
      for (let i = 0; i < n; i++) {
        xs[i] = (qx[i] / 65535) * 2 - 1
        ys[i] = 1 - (qy[i] / 65535) * 2
        valueA[i] = category.get(colour[i]) ?? config.legend.length - 1
      }
      await scatterplot.draw({ x: xs, y: ys, valueA }, { zDataType: "categorical" })
      labelData = labelFile.labels.map(l => {
        const a = element("a", { href: new URL(l.href, document.baseURI).href, class: `pa-map-label pa-map-label--${l.level}` }, l.text)
        labels.append(a)
        return { x: l.x * 2 - 1, y: 1 - l.y * 2, el: a, size: null }
      })
      detail.order = shuffled(n)
      /* For the browser tests (tests/test_browser.py) and benchmarks/map_smoothness.py: where a
         point is drawn, in canvas pixels; the points drawn now (null: all); the level of detail */
      root.atlasMap = {
        count: n,
        screenPosition: i => toScreen(xs[i], ys[i]),
        drawnPoints: () => (scatterplot.get("isPointsFiltered") ? scatterplot.get("filteredPoints") : null),
        selectedPoints: () => scatterplot.get("selectedPoints"),
        detail,
      }
      placeLabels()
      await applyQuery()
      root.dataset.state = "ready"
      if (explore)
        explore.hidden = true
      if (focusWhenReady)
        canvas.focus({ preventScroll: true })
      if (searchBox && searchBox.value.trim())
        searchFor(searchBox.value.trim())
    }

    /* ------------------------------------------------------------------------------- level of detail */

    /* Redrawing every point in every frame is too slow at 100k points without a fast GPU (WebGL on
       the CPU: a frame takes about 100 ms). So while the view moves (a drag, the wheel, a pinch, a
       transition), only a sample is drawn: the points in and around the view, in a fixed random
       order, up to `budget`, plus a coarse sample of the whole map (so zooming out never shows an
       empty page), the hovered point and the highlighted ones. When the view rests, every point
       comes back. Below `budget` points, nothing changes. */
    const detail = { budget: 20000, rest: 160, order: null, sample: null, timer: 0 }

    /* 0..n-1 in a fixed pseudo-random order (a seeded Fisher-Yates shuffle: the same on every load) */
    function shuffled(count) {
      const order = new Uint32Array(count)
      for (let i = 0; i < count; i++)
        order[i] = i
      let seed = 0x9e3779b9
      for (let i = count - 1; i > 0; i--) {
        seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
        const j = seed % (i + 1)
        const t = order[i]; order[i] = order[j]; order[j] = t
      }
      return order
    }

    /* The data coordinates in view, [x0, y0, x1, y1], widened by `margin` of its size on each side */
    function viewBounds(margin) {
      const v = scatterplot.get("cameraView")
      const aspect = canvas.clientWidth / Math.max(canvas.clientHeight, 1)
      const x0 = (-aspect - v[12]) / v[0], x1 = (aspect - v[12]) / v[0]
      const y0 = (-1 - v[13]) / v[5], y1 = (1 - v[13]) / v[5]
      const mx = (x1 - x0) * margin, my = (y1 - y0) * margin
      return [x0 - mx, y0 - my, x1 + mx, y1 + my]
    }

    function pickSample() {
      const budget = detail.budget
      const box = viewBounds(0.5)
      const taken = new Uint8Array(n)
      const picked = []
      function take(i) {
        if (!taken[i]) {
          taken[i] = 1
          picked.push(i)
        }
      }
      if (hovered >= 0)
        take(hovered)
      if (highlighted)
        for (let k = 0; k < highlighted.length && k < budget / 2; k++)
          take(highlighted[k])
      const order = detail.order
      const coarse = Math.min(n, Math.ceil(budget / 8))
      for (let k = 0; k < coarse; k++)
        take(order[k])
      let full = true /* every point of the box is in the sample */
      for (let k = coarse; k < n; k++) {
        const i = order[k]
        if (xs[i] >= box[0] && xs[i] <= box[2] && ys[i] >= box[1] && ys[i] <= box[3]) {
          if (picked.length >= budget) {
            full = false
            break
          }
          take(i)
        }
      }
      picked.sort((a, b) => a - b)
      detail.sample = { box, full, trimmed: Boolean(highlighted && highlighted.length > budget / 2) }
      scatterplot.filter(picked, { preventEvent: true })
      /* A thinned sample is drawn with bigger points, so the map keeps its look while it moves */
      scatterplot.set({ pointSize: full ? pointSize : pointSize + 1 })
    }

    /* Is the sample still good for this view: the view inside its box and, if the box held more
       points than the budget, not zoomed in more than twice since (the sample would look thin)? */
    function sampleFits() {
      const sample = detail.sample
      const [x0, y0, x1, y1] = viewBounds(0)
      const box = sample.box
      if (x0 < box[0] || y0 < box[1] || x1 > box[2] || y1 > box[3])
        return false
      return sample.full || (x1 - x0) * 4 > box[2] - box[0]
    }

    function viewMoved() {
      if (!detail.order || n <= detail.budget)
        return
      if (!detail.sample || !sampleFits())
        pickSample()
      clearTimeout(detail.timer)
      detail.timer = setTimeout(() => {
        const trimmed = detail.sample && detail.sample.trimmed
        detail.sample = null
        scatterplot.unfilter({ preventEvent: true })
        scatterplot.set({ pointSize })
        if (trimmed && highlighted) /* filter() keeps only the sampled part of the selection */
          scatterplot.select(Array.from(highlighted), { preventEvent: true })
      }, detail.rest)
    }

    /* Screen position of a point given in normalized device coordinates (regl-scatterplot's own
       transform: projection (aspect ratio) * camera view) */
    function projection() {
      const v = scatterplot.get("cameraView")
      const w = canvas.clientWidth, h = canvas.clientHeight
      return (x, y) => {
        const cx = (v[0] * x + v[4] * y + v[12]) / (w / h)
        const cy = v[1] * x + v[5] * y + v[13]
        return [(w * (cx + 1)) / 2, h * (0.5 - cy / 2)]
      }
    }
    function toScreen(x, y) {
      return projection()(x, y)
    }

    let labelsQueued = false
    function placeLabels() {
      if (labelsQueued)
        return
      labelsQueued = true
      requestAnimationFrame(() => {
        labelsQueued = false
        const w = canvas.clientWidth, h = canvas.clientHeight
        for (const l of labelData) {
          const [sx, sy] = toScreen(l.x, l.y)
          const inside = sx > 0 && sx < w && sy > 0 && sy < h
          l.el.hidden = !inside
          l.box = null
          if (!inside)
            continue
          l.el.style.transform = `translate(${Math.round(sx)}px, ${Math.round(sy)}px) translate(-50%, -50%)`
          if (!l.size) /* measured once: the text does not change */
            l.size = [l.el.offsetWidth, l.el.offsetHeight]
          const box = [sx - l.size[0] / 2, sy - l.size[1] / 2, sx + l.size[0] / 2, sy + l.size[1] / 2]
          if (box[0] < 0 || box[1] < 0 || box[2] > w || box[3] > h) /* cut by the edge: hidden */
            l.el.hidden = true
          else
            l.box = box
        }
        declutter(labelData)
        if (hovered >= 0)
          placeTip(hovered)
      })
    }

    /* ------------------------------------------------------------------------------- the tooltip */

    let tipFor = -1
    async function showTip(i) {
      tipFor = i
      const row = await paper(i)
      if (tipFor !== i || !row)
        return
      tipTitle.textContent = row[1]
      tipTitle.href = paperUrl(row[0])
      tipByline.textContent = row[2]
      tip.hidden = false
      placeTip(i)
    }
    function hideTip() {
      tipFor = -1
      tip.hidden = true
    }
    function placeTip(i) {
      const [sx, sy] = toScreen(xs[i], ys[i])
      const w = canvas.clientWidth
      const left = Math.min(Math.max(sx + 12, 4), Math.max(4, w - tip.offsetWidth - 4))
      const top = sy + 14 + tip.offsetHeight > canvas.clientHeight ? sy - tip.offsetHeight - 10 : sy + 14
      tip.style.transform = `translate(${Math.round(left)}px, ${Math.round(Math.max(top, 4))}px)`
    }

    scatterplot.subscribe("pointover", i => {
      hovered = i
      showTip(i)
    })
    scatterplot.subscribe("pointout", () => {
      if (document.activeElement !== canvas) {
        hovered = -1
        hideTip()
      }
    })
    scatterplot.subscribe("view", () => {
      viewMoved()
      placeLabels()
    })

    async function open(i) {
      const row = await paper(i)
      if (row)
        window.location.assign(paperUrl(row[0]))
    }

    /* A click (not a drag) on a point opens its paper. regl-scatterplot would select the point
       instead (and drop a tag's or a search's highlight): its click handler never sees the click. */
    stage.addEventListener("click", ev => {
      if (ev.target === canvas)
        ev.stopPropagation()
    }, true)
    let down = null
    canvas.addEventListener("pointerdown", ev => {
      if (ev.pointerType !== "touch")
        down = [ev.clientX, ev.clientY]
    })
    canvas.addEventListener("pointerup", ev => {
      const wasClick = down && Math.hypot(ev.clientX - down[0], ev.clientY - down[1]) < 5
      down = null
      if (wasClick && hovered >= 0 && tipFor === hovered)
        open(hovered)
    })

    /* ------------------------------------------------------------------------------- touch */

    /* regl-scatterplot (through dom-2d-camera) knows the mouse and the wheel, not fingers. Here:
       one finger drags the map; two pinch it (zooming about their midpoint) and drag it; a tap on
       a point shows its title, a second tap on it opens the paper, a tap on no point hides the
       title. The stage has touch-action: none, so the page does not scroll or zoom under them. */
    const touches = new Map() /* pointerId -> [x, y] in canvas pixels */
    let gesture = null /* the camera and the fingers' centre and spread when the gesture began */
    let tap = null
    let gestureQueued = false

    function canvasPoint(ev) {
      const r = canvas.getBoundingClientRect()
      return [ev.clientX - r.left, ev.clientY - r.top]
    }
    function fingers() {
      const all = [...touches.values()]
      const x = all.reduce((sum, p) => sum + p[0], 0) / all.length
      const y = all.reduce((sum, p) => sum + p[1], 0) / all.length
      const spread = all.length > 1 ? Math.hypot(all[0][0] - all[1][0], all[0][1] - all[1][1]) : 0
      return [x, y, spread]
    }
    function beginGesture() {
      const v = view()
      gesture = touches.size ? { target: v.target, distance: v.distance, fingers: fingers() } : null
    }
    /* The data point under the fingers' centre when the gesture began stays under their centre */
    function followFingers() {
      gestureQueued = false
      if (!gesture || !touches.size)
        return
      const [x0, y0, s0] = gesture.fingers
      const [x1, y1, s1] = fingers()
      const w = canvas.clientWidth, h = canvas.clientHeight
      const distance = s0 > 0 && s1 > 0 ? clampDistance((gesture.distance * s0) / s1) : gesture.distance
      const before = (2 * gesture.distance) / h, after = (2 * distance) / h /* data units a pixel */
      const px = gesture.target[0] + (x0 - w / 2) * before
      const py = gesture.target[1] - (y0 - h / 2) * before
      scatterplot.zoomToLocation([px - (x1 - w / 2) * after, py + (y1 - h / 2) * after], distance, { transition: false })
    }
    /* The point drawn nearest to (x, y) in canvas pixels, within `radius`, or -1 */
    function pointAt(x, y, radius) {
      const project = projection()
      let best = -1, bestD = radius * radius
      for (const j of scatterplot.get("pointsInView")) {
        const [sx, sy] = project(xs[j], ys[j])
        const d = (sx - x) ** 2 + (sy - y) ** 2
        if (d < bestD) {
          bestD = d
          best = j
        }
      }
      return best
    }
    function tapped(x, y) {
      const i = pointAt(x, y, 20)
      if (i >= 0 && i === hovered && tipFor === i && !tip.hidden) {
        open(i)
      } else if (i >= 0) {
        focusPoint(i, false)
      } else {
        unfocus()
      }
    }

    canvas.addEventListener("pointerdown", ev => {
      if (ev.pointerType !== "touch" || !xs)
        return
      ev.preventDefault() /* no mouse events made up from the touch */
      canvas.setPointerCapture(ev.pointerId)
      touches.set(ev.pointerId, canvasPoint(ev))
      tap = touches.size === 1 ? { id: ev.pointerId, at: canvasPoint(ev), time: ev.timeStamp } : null
      beginGesture()
    })
    canvas.addEventListener("pointermove", ev => {
      if (!touches.has(ev.pointerId))
        return
      const at = canvasPoint(ev)
      touches.set(ev.pointerId, at)
      if (tap && Math.hypot(at[0] - tap.at[0], at[1] - tap.at[1]) > 8)
        tap = null
      if (!tap && !gestureQueued) {
        gestureQueued = true
        requestAnimationFrame(followFingers)
      }
    })
    function fingerUp(ev) {
      if (!touches.delete(ev.pointerId))
        return
      if (ev.type === "pointerup" && tap && tap.id === ev.pointerId && ev.timeStamp - tap.time < 600)
        tapped(tap.at[0], tap.at[1])
      tap = null
      beginGesture()
    }
    canvas.addEventListener("pointerup", fingerUp)
    canvas.addEventListener("pointercancel", fingerUp)

    /* ------------------------------------------------------------------------------- keyboard */

    function view() {
      return { target: scatterplot.get("cameraTarget"), distance: scatterplot.get("cameraDistance") }
    }
    function moveCamera(target, distance) {
      scatterplot.zoomToLocation(target, distance, { transition: true, transitionDuration: 160 })
    }
    function clampDistance(distance) {
      return Math.min(Math.max(distance, 0.002), 3)
    }
    function zoom(factor) {
      const v = view()
      moveCamera(v.target, clampDistance(v.distance * factor))
    }
    function unfocus() {
      hovered = -1
      hideTip()
      scatterplot.hover(-1, { preventEvent: true })
    }
    function focusPoint(i, centre) {
      hovered = i
      scatterplot.hover(i, { showReticleOnce: true, preventEvent: true })
      if (centre)
        moveCamera([xs[i], ys[i]], Math.min(view().distance, 0.25))
      showTip(i)
    }
    /* The nearest point from `from` in direction (dx, dy), among the points in view */
    function step(from, dx, dy) {
      const candidates = scatterplot.get("pointsInView")
      let best = -1, bestCost = Infinity
      const fx = xs[from], fy = ys[from]
      for (const j of candidates) {
        if (j === from)
          continue
        const ex = xs[j] - fx, ey = ys[j] - fy
        const along = ex * dx + ey * dy
        if (along <= 0)
          continue
        const across = Math.abs(ex * dy - ey * dx)
        const cost = along + 2 * across
        if (cost < bestCost) {
          bestCost = cost
          best = j
        }
      }
      return best
    }
    function nearestToCentre() {
      const t = view().target
      let best = -1, bestD = Infinity
      for (const j of scatterplot.get("pointsInView")) {
        const d = (xs[j] - t[0]) ** 2 + (ys[j] - t[1]) ** 2
        if (d < bestD) {
          bestD = d
          best = j
        }
      }
      return best
    }
    const DIRECTIONS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }
    canvas.addEventListener("keydown", ev => {
      if (!xs)
        return
      const direction = DIRECTIONS[ev.key]
      if (direction && ev.shiftKey) {
        const v = view()
        moveCamera([v.target[0] + direction[0] * v.distance * 0.25, v.target[1] + direction[1] * v.distance * 0.25], v.distance)
      } else if (direction) {
        const next = hovered >= 0 ? step(hovered, direction[0], direction[1]) : nearestToCentre()
        if (next >= 0)
          focusPoint(next, false)
      } else if (ev.key === "+" || ev.key === "=") {
        zoom(0.66)
      } else if (ev.key === "-" || ev.key === "_") {
        zoom(1.5)
      } else if (ev.key === "0") {
        scatterplot.zoomToOrigin({ transition: true, transitionDuration: 160 })
      } else if (ev.key === "Enter" && hovered >= 0) {
        open(hovered)
      } else if (ev.key === "Escape") {
        unfocus()
      } else {
        return
      }
      ev.preventDefault()
    })
    canvas.addEventListener("blur", () => {
      if (!stage.matches(":hover"))
        hideTip()
    })
    buttons.in.addEventListener("click", () => zoom(0.66))
    buttons.out.addEventListener("click", () => zoom(1.5))
    buttons.reset.addEventListener("click", () => scatterplot.zoomToOrigin({ transition: true, transitionDuration: 160 }))

    /* ------------------------------------------------------------------------------- highlights */

    function highlight(points, text, link) {
      highlighted = points
      if (points && points.length) {
        scatterplot.set({ opacityInactiveScale: 0.12 })
        scatterplot.select(Array.from(points), { preventEvent: true })
      } else {
        scatterplot.set({ opacityInactiveScale: 1 })
        scatterplot.deselect({ preventEvent: true })
      }
      status.textContent = ""
      if (text) {
        status.append(text)
        if (link) {
          status.append(" ")
          status.append(element("a", { href: link.href }, link.text))
        }
      }
    }

    async function applyQuery() {
      const params = new URLSearchParams(window.location.search)
      const paperId = params.get("paper")
      const tagId = params.get("tag")
      if (paperId) {
        const i = await indexOf(paperId)
        if (i < 0) {
          status.textContent = "That paper is not on the map."
          return
        }
        const row = await paper(i)
        highlight(Uint32Array.of(i), `Centred on “${row[1]}”.`, { href: paperUrl(row[0]), text: "Open the paper" })
        focusPoint(i, true)
        scatterplot.zoomToLocation([xs[i], ys[i]], 0.2, { transition: false })
        placeLabels()
      } else if (tagId && Object.prototype.hasOwnProperty.call(config.tags, tagId)) {
        const tag = config.tags[tagId]
        const points = new Uint32Array(await load(`tag-${encodeURIComponent(tagId)}.bin`, true))
        highlight(points, `Highlighted: ${tag.name}, ${points.length} papers.`, { href: new URL(tag.href, document.baseURI).href, text: "The tag's page" })
        if (points.length)
          scatterplot.zoomToPoints(Array.from(points), { padding: 0.15, transition: false })
      }
    }

    /* ------------------------------------------------------------------------------- search */

    let worker = null
    let searchOrder = null
    function searchFor(query) {
      if (!worker) {
        worker = new Worker(new URL(config.search, document.baseURI))
        worker.postMessage({ type: 0, data: { options: {} } })
        worker.addEventListener("message", async ev => {
          if (ev.data.type !== 4 || !xs)
            return
          const { query: asked, docs } = ev.data.data
          searchOrder = searchOrder || new Uint32Array(await load("search.bin", true))
          const points = []
          for (const d of docs)
            if (d < searchOrder.length)
              points.push(searchOrder[d])
          points.sort((a, b) => a - b)
          highlight(Uint32Array.from(points), `${points.length} papers match “${asked}”.`)
        })
      }
      worker.postMessage({ type: 4, data: query })
    }
    let typing = 0
    if (searchBox)
      searchBox.addEventListener("input", () => {
        clearTimeout(typing)
        typing = setTimeout(() => {
          const query = searchBox.value.trim()
          if (query)
            searchFor(query)
          else if (highlighted && !new URLSearchParams(window.location.search).toString())
            highlight(null)
        }, 250)
      })

    /* ------------------------------------------------------------------------------- theme */

    new MutationObserver(() => {
      const dark = isDark()
      scatterplot.set({
        backgroundColor: background(),
        pointColorActive: dark ? [1, 1, 1, 1] : [0, 0, 0, 1],
        pointColorHover: dark ? [1, 1, 1, 1] : [0, 0, 0, 1],
        reticleColor: dark ? [1, 1, 1, 0.5] : [0, 0, 0, 0.4],
      })
    }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] })

    return start()
  }
})()
