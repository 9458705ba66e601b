/*
 * Paper Atlas search worker: a drop-in for Material's search worker that reads the sharded index
 * written by generator/search/writer.py instead of one big search_index.json.
 *
 * Protocol (Material's): the page posts SETUP {config, docs, options} and waits for READY, then
 * posts QUERY "<text>" on every change; the worker answers RESULT {items: SearchItem[][], suggest?}.
 * The inlined docs are ignored (Material's index is empty). For a query the worker fetches the
 * manifest (once), the term shards holding the query's words, the bitmaps of very common words,
 * and the metadata blocks of the top results; everything fetched is kept for later queries.
 * It answers twice: with the first results as soon as their metadata is in, then with more.
 * A newer query makes older ones stop: their results are never posted.
 *
 * Material counts the results it is given, so with each answer the worker also tells the page,
 * on the BroadcastChannel "atlas-search", how many documents matched in all ({total, listed,
 * first}); atlas-search-count.js shows that number when it is more than the results listed.
 * Each result's text is its byline (date, organisation or authors, upvotes), then its snippet.
 *
 * Titles and snippets are corpus text: they are HTML-escaped here, and only <mark> is added,
 * because Material's result template inserts them as HTML.
 *
 * Tokenizing, stemming and scoring mirror generator/search/ (IndexReader in reader.py is the reference).
 */
"use strict"

const SETUP = 0
const READY = 1
const QUERY = 2
const RESULT = 3

const BASE = new URL("../../search/atlas/", self.location.href)
const ASCII = /^[\x00-\x7f]*$/
const WORD = /[\p{L}\p{N}]+/gu
const RUN = /[\p{L}\p{N}\p{M}]+/gu
const MORE_DELAY = 300 // ms before fetching the metadata of results past the first few
const counts = typeof BroadcastChannel === "function" ? new BroadcastChannel("atlas-search") : null

let options = {}
let manifest = null // Promise of the manifest
let generation = 0
const files = new Map() // path -> Promise of parsed content

/* ---------------------------------------------------------------------------------------------- */

function tokens(text) {
  let s = String(text)
  if (!ASCII.test(s))
    s = s.normalize("NFKD").replace(/\p{M}/gu, "")
  return s.toLowerCase().match(WORD) || []
}

function stem(word) {
  if (word.length <= 3 || word[word.length - 1] !== "s" || !/^[a-z]+$/.test(word))
    return word
  if (word.endsWith("ies") && !word.endsWith("eies") && !word.endsWith("aies"))
    return word.slice(0, -3) + "y"
  if (word.endsWith("us") || word.endsWith("ss"))
    return word
  return word.slice(0, -1)
}

function escapeHTML(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
}

function idf(n, df) {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5))
}

function df(entry) {
  return Array.isArray(entry) ? entry[0].length : entry.df
}

/* ---------------------------------------------------------------------------------------------- */

function loadManifest() {
  if (!manifest)
    manifest = fetch(new URL("manifest.json", BASE), { cache: "no-cache" })
      .then(res => {
        if (!res.ok)
          throw new Error(`search manifest: HTTP ${res.status}`)
        return res.json()
      })
      .catch(err => {
        manifest = null // try again on the next query
        throw err
      })
  return manifest
}

function load(m, path, binary) {
  let file = files.get(path)
  if (!file) {
    file = fetch(new URL(`${path}?v=${m.version}`, BASE))
      .then(res => {
        if (!res.ok)
          throw new Error(`search ${path}: HTTP ${res.status}`)
        return binary ? res.arrayBuffer().then(buf => new Uint8Array(buf)) : res.json()
      })
    file.catch(() => files.delete(path))
    files.set(path, file)
  }
  return file
}

/* Index of the shard that holds `term`: the last one whose first term is <= term */
function shardOf(m, term) {
  let lo = 0, hi = m.shards.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (m.shards[mid] <= term)
      lo = mid + 1
    else
      hi = mid
  }
  return Math.max(lo - 1, 0)
}

function parseQuery(m, query) {
  const stop = new Set(m.stop)
  const seen = new Set()
  const words = []
  for (const word of tokens(query)) {
    if (stop.has(word) || seen.has(word))
      continue
    seen.add(word)
    const term = stem(word)
    words.push({ word, term, prefix: term.length >= m.prefix })
  }
  return words.slice(0, m.words)
}

/* The word itself and, for a prefix word, its most frequent extensions: [{term, entry, weight}] */
async function variants(m, w) {
  if (!m.shards.length)
    return []
  const i = shardOf(m, w.term)
  const shard = await load(m, `t/${i}.json`)
  const found = []
  if (Object.prototype.hasOwnProperty.call(shard, w.term))
    found.push({ term: w.term, entry: shard[w.term], weight: 1 })
  if (w.prefix) {
    const pool = [shard]
    if (i + 1 < m.shards.length && m.shards[i + 1].startsWith(w.term))
      pool.push(await load(m, `t/${i + 1}.json`))
    const longer = []
    for (const s of pool)
      for (const term of Object.keys(s))
        if (term !== w.term && term.startsWith(w.term))
          longer.push({ term, entry: s[term], weight: m.expansion_weight })
    longer.sort((a, b) => df(b.entry) - df(a.entry) || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
    found.push(...longer.slice(0, m.expansions))
  }
  return found
}

/* Calls fn(doc, impact) for every document of a term */
async function postings(m, entry, fn) {
  if (Array.isArray(entry)) {
    const [gaps, impacts] = entry
    let d = 0
    for (let k = 0; k < gaps.length; k++) {
      d += gaps[k]
      fn(d, impacts[k])
    }
    return
  }
  const bits = await load(m, `b/${entry.b}.bin`, true)
  const nbytes = (m.n + 7) >> 3
  const [qTitle, qBody] = entry.q
  for (let k = 0; k < nbytes; k++) {
    let byte = bits[nbytes + k]
    while (byte) {
      const bit = 31 - Math.clz32(byte & -byte)
      byte &= byte - 1
      const d = (k << 3) + bit
      fn(d, (bits[k] >> bit) & 1 ? qTitle : qBody)
    }
  }
}

function popcount(x) {
  let c = 0
  for (; x; x &= x - 1)
    c++
  return c
}

/* ---------------------------------------------------------------------------------------------- */

function highlighter(words) {
  const match = term => words.some(w => w.prefix ? term.startsWith(w.term) : term === w.term)
  return text => {
    let out = ""
    let last = 0
    for (const run of String(text).matchAll(RUN)) {
      const [token] = tokens(run[0])
      if (token === undefined || !match(stem(token)))
        continue
      out += escapeHTML(text.slice(last, run.index))
      out += `<mark data-md-highlight>${escapeHTML(run[0])}</mark>`
      last = run.index + run[0].length
    }
    return out + escapeHTML(text.slice(last))
  }
}

function safeLocation(location) {
  const value = String(location)
  return /^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith("//") ? "" : value
}

async function items(m, words, ranked, score, mask) {
  const blocks = await Promise.all(ranked.map(d => load(m, `d/${Math.floor(d / m.block)}.json`)))
  const mark = highlighter(words)
  return ranked.map((d, k) => {
    const [location, title, snippet, byline] = blocks[k][d % m.block]
    const terms = {}
    words.forEach((w, g) => { terms[w.word] = ((mask[d] >>> g) & 1) === 1 })
    const by = byline ? `<span class="pa-search-by">${escapeHTML(byline)}</span>` : ""
    return [{
      location: safeLocation(location),
      title: mark(title),
      text: by + mark(snippet),
      score: popcount(mask[d]) * 1e6 + score[d], // monotone in rank: Enter opens the first result
      terms
    }]
  })
}

async function search(query, id) {
  const m = await loadManifest()
  const words = parseQuery(m, query)
  if (!words.length)
    return post(id, { items: [] })

  const found = await Promise.all(words.map(w => variants(m, w)))

  /* Bitmaps cost n/4 bytes each: exact words first, then extensions, up to the budget */
  let budget = m.bitmaps
  for (const list of found)
    for (const v of list)
      if (v.weight === 1 && !Array.isArray(v.entry))
        budget--
  const groups = found.map(list => list.filter(v => {
    if (v.weight === 1 || Array.isArray(v.entry))
      return true
    return budget-- > 0
  }))

  await Promise.all(groups.flat()  // fetch the bitmaps in parallel, not one after another
    .filter(v => !Array.isArray(v.entry))
    .map(v => load(m, `b/${v.entry.b}.bin`, true)))

  const score = new Float64Array(m.n)
  const mask = new Uint32Array(m.n)
  const best = new Float64Array(m.n)
  for (let g = 0; g < groups.length; g++) {
    const touched = []
    /* Every form of a word weighs as its most frequent form: a rare extension ("modelnet")
       must not outrank the word typed ("models") */
    const wordIdf = Math.min(...groups[g].map(v => idf(m.n, df(v.entry))))
    for (const v of groups[g]) {
      const w = wordIdf * v.weight
      await postings(m, v.entry, (d, q) => {
        const s = w * q
        if (best[d] === 0)
          touched.push(d)
        if (s > best[d])
          best[d] = s
      })
    }
    for (const d of touched) {
      score[d] += best[d]
      mask[d] |= 1 << g
      best[d] = 0
    }
    if (id !== generation)
      return
  }

  const candidates = []
  const matched = new Uint8Array(m.n)
  for (let d = 0; d < m.n; d++)
    if (mask[d]) {
      candidates.push(d)
      matched[d] = popcount(mask[d])
    }
  candidates.sort((a, b) => matched[b] - matched[a] || score[b] - score[a] || a - b)

  /* Suggest the most frequent extension of the last word being typed */
  let suggest
  if (options.suggest) {
    const last = words[words.length - 1]
    const extension = found[found.length - 1].find(v => v.weight !== 1)
    if (last.prefix && extension) {
      const form = Array.isArray(extension.entry) ? extension.entry[2] : extension.entry.w
      suggest = [form || extension.term]
    } else {
      suggest = []
    }
  }

  const first = await items(m, words, candidates.slice(0, m.first), score, mask)
  post(id, { items: first, ...suggest && { suggest } }, candidates.length)
  if (candidates.length > m.first) {
    await new Promise(resolve => setTimeout(resolve, MORE_DELAY)) // the user may still be typing
    if (id !== generation)
      return
    const more = await items(m, words, candidates.slice(0, m.max), score, mask)
    post(id, { items: more, ...suggest && { suggest } }, candidates.length)
  }
}

/* Post results to Material; with `total`, announce how many matched (see the header) */
function post(id, data, total) {
  if (id !== generation)
    return
  if (counts && total !== undefined && data.items.length)
    counts.postMessage({ total, listed: data.items.length, first: data.items[0][0].location })
  postMessage({ type: RESULT, data })
}

/* ---------------------------------------------------------------------------------------------- */

addEventListener("message", ev => {
  const message = ev.data
  switch (message.type) {
    case SETUP:
      options = (message.data && message.data.options) || {}
      loadManifest().catch(err => console.warn(err))
      postMessage({ type: READY })
      break
    case QUERY: {
      const id = ++generation
      search(String(message.data || ""), id).catch(err => {
        console.warn(`Search failed: ${message.data}`, err)
        post(id, { items: [] })
      })
      break
    }
    default:
      throw new TypeError("Invalid message type")
  }
})
