/*
 * Paper Atlas lists: sort and filter any list of paper cards, and load the next page in place.
 *
 * Progressive enhancement: without this script every list is complete, newest first, paged with
 * links (generator/site/listings.py). With it, the tools strip above a list (div.pa-tools) gets
 *   - a filter box (every word must appear in the title, byline, tags or first sentence),
 *   - a sort (newest, most upvoted, title),
 *   - on tag and topic pages a year and a collection filter (on collections, a year filter),
 * and a "load more" button under the pager. The state goes in the URL (?q=&sort=&year=&collection=,
 * prefixed by data-key for the home page's lists), so a sorted, filtered view can be shared; it
 * is restored on load.
 *
 * A paged list (data-list) sorts and filters all of its papers, not only the page: its data file
 * (<list>/cards.json) is fetched the first time the view is not the default one, and the cards of
 * the result are built from it, a hundred at a time. A list without a data file (data-key) has
 * all its cards on the page, which are reordered and hidden.
 *
 * Corpus text from the data file is only ever set as text (textContent), never as HTML; links are
 * resolved against the data file and kept only when they stay on this site.
 */
"use strict"
;(() => {
  const STEP = 100 // cards shown at a time in a sorted or filtered view
  const SORTS = [["newest", "Newest"], ["upvotes", "Most upvoted"], ["title", "Title"]]
  const MARK = /\p{M}/gu
  const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true })
  const number = n => n.toLocaleString("en")

  const fold = text => String(text).normalize("NFKD").replace(MARK, "").toLowerCase()

  function element(tag, props, ...children) {
    const el = document.createElement(tag)
    Object.assign(el, props || {})
    el.append(...children)
    return el
  }

  function sameSite(href, base) {
    try {
      const url = new URL(href, base)
      return url.origin === location.origin ? url.href : null
    } catch {
      return null
    }
  }

  /* The page's elements of a list: what follows its tools strip, up to its pager (or its last
     card list when it has no pager), stopping at the next tools strip. */
  function region(tools) {
    const parts = []
    for (let el = tools.nextElementSibling; el && !el.matches(".pa-tools"); el = el.nextElementSibling) {
      parts.push(el)
      if (el.matches("nav.pa-pager") || (tools.dataset.key && el.matches("ol.pa-cards")))
        break
    }
    let last = parts.length
    while (last > 0 && !parts[last - 1].matches("ol.pa-cards, nav.pa-pager"))
      last--
    return parts.slice(0, last)
  }

  /* -------------------------------------------------------------------------------- state */

  function readState(key) {
    const params = new URLSearchParams(location.search)
    const get = name => params.get(key + name) || ""
    const sort = get("sort")
    return {
      q: get("q"),
      sort: SORTS.some(([value]) => value === sort) ? sort : "newest",
      year: get("year"),
      collection: get("collection")
    }
  }

  function writeState(key, state) {
    const params = new URLSearchParams(location.search)
    for (const name of ["q", "sort", "year", "collection"]) {
      const value = state[name]
      if (value && !(name === "sort" && value === "newest"))
        params.set(key + name, value)
      else
        params.delete(key + name)
    }
    const query = params.toString()
    history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash)
  }

  const isDefault = state => !state.q.trim() && state.sort === "newest" && !state.year && !state.collection

  /* -------------------------------------------------------------------------------- rows */

  function matcher(state, collections) {
    const words = fold(state.q).split(/\s+/).filter(Boolean)
    const wanted = state.collection ? collections.indexOf(state.collection) : -1
    return row => {
      if (state.year && (row.date ? row.date.slice(0, 4) : "undated") !== state.year)
        return false
      if (state.collection && !row.collections.includes(wanted))
        return false
      if (words.length) {
        const text = row.text()
        return words.every(w => text.includes(w))
      }
      return true
    }
  }

  function comparator(sort) {
    if (sort === "upvotes")
      return (a, b) => (b.upvotes ?? -1) - (a.upvotes ?? -1) || a.index - b.index
    if (sort === "title")
      return (a, b) => collator.compare(a.title, b.title) || a.index - b.index
    return (a, b) => a.index - b.index // the list's own order: newest first
  }

  function select(rows, state, collections) {
    return rows.filter(matcher(state, collections)).sort(comparator(state.sort))
  }

  /* Rows of a data file (generator/site/listings.py documents its format) */
  function dataRows(data) {
    return data.rows.map((r, index) => {
      const [id, title, date, upvotes, who, chips, first, collections, section] = r
      let text = null
      return {
        index, id: String(id), title: String(title), date: date || "", upvotes, who, chips, first,
        collections, section,
        text: () => text ?? (text = fold([title, who || "", ...chips.map(c => data.chips[c][0]), first || ""].join(" ")))
      }
    })
  }

  /* Rows of the cards on the page (lists without a data file) */
  function domRows(list) {
    return [...list.children].map((li, index) => {
      const time = li.querySelector("time")
      return {
        index, el: li, title: (li.firstElementChild || li).textContent,
        date: time ? time.textContent : "", upvotes: li.dataset.u ? Number(li.dataset.u) : null,
        collections: [], text: () => fold(li.textContent)
      }
    })
  }

  /* ------------------------------------------------------------------------------- cards */

  function card(row, data, base) {
    const li = element("li")
    if (row.upvotes != null)
      li.dataset.u = row.upvotes
    const href = sameSite(data.paper[0] + encodeURIComponent(row.id) + data.paper[1], base)
    li.append(element("a", href ? { href } : {}, row.title))
    const by = []
    if (row.date)
      by.push(element("time", {}, row.date))
    if (row.who)
      by.push(element("span", {}, row.who))
    if (row.upvotes != null)
      by.push(element("span", { className: "pa-up" }, `${row.upvotes} upvote${row.upvotes === 1 ? "" : "s"}`))
    if (by.length) {
      const line = element("span", { className: "pa-by" })
      by.forEach((part, k) => line.append(...(k ? [" · ", part] : [part])))
      li.append(line)
    }
    if (row.chips.length) {
      const chips = element("span", { className: "pa-chips" })
      row.chips.forEach((c, k) => {
        const [text, url, kind, note] = data.chips[c]
        const chipHref = sameSite(url, base)
        const a = element("a", { className: "md-tag" + (kind === "rule" ? "" : ` pa-tag-${kind}`) }, text)
        if (chipHref)
          a.href = chipHref
        if (note)
          a.title = note
        if (kind !== "rule")
          a.append(element("span", { className: "pa-visually-hidden" },
            kind === "inferred" ? " (inferred)" : " (automatic topic)"))
        chips.append(...(k ? [" ", a] : [a]))
      })
      li.append(chips)
    }
    if (row.first)
      li.append(element("span", { className: "pa-first" }, row.first))
    return li
  }

  /* ------------------------------------------------------------------------------- a list */

  function setup(tools) {
    const key = tools.dataset.key ? tools.dataset.key + "-" : ""
    const dataUrl = tools.dataset.list ? new URL(tools.dataset.list, location.href) : null
    const flat = tools.hasAttribute("data-flat")
    const years = (tools.dataset.years || "").split(" ").filter(Boolean)
    let choices = []
    try {
      choices = tools.dataset.collections ? JSON.parse(tools.dataset.collections) : []
    } catch {
      choices = []
    }
    const intro = tools.querySelector("p")
    let initial = intro ? intro.textContent : "" // the count line of the page's own view
    let state = readState(key)
    if (!years.includes(state.year))
      state.year = ""
    if (!choices.some(c => String(c[0]) === state.collection))
      state.collection = ""
    let data = null // Promise of {data, rows}
    let results = null // the view built from the data file, replacing the page's cards
    let domList = null // lists without a data file: their cards and original order
    let shown = 0
    let selected = []
    let generation = 0
    let loadButton = null // "load more" under the pager

    /* The controls */
    const id = `pa-${key || "list-"}${Math.random().toString(36).slice(2, 8)}`
    const filter = element("input", {
      type: "search", id: `${id}-q`, value: state.q, placeholder: "Filter these papers",
      autocomplete: "off", spellcheck: false
    })
    const sort = element("select", { id: `${id}-sort` },
      ...SORTS.map(([value, label]) => element("option", { value, selected: value === state.sort }, label)))
    const controls = element("div", { className: "pa-controls" },
      element("label", { className: "pa-filter", htmlFor: filter.id },
        element("span", { className: "pa-visually-hidden" }, "Filter"), filter),
      element("label", { htmlFor: sort.id }, "Sort", sort))
    let yearSelect = null
    if (years.length > 1) {
      yearSelect = element("select", { id: `${id}-year` },
        element("option", { value: "" }, "all"),
        ...years.map(y => element("option", { value: y, selected: y === state.year }, y)))
      controls.append(element("label", { htmlFor: yearSelect.id }, "Year", yearSelect))
    }
    let collectionSelect = null
    if (choices.length > 1) {
      collectionSelect = element("select", { id: `${id}-collection` },
        element("option", { value: "" }, "all"),
        ...choices.map(([value, name]) =>
          element("option", { value: String(value), selected: String(value) === state.collection }, String(name))))
      controls.append(element("label", { htmlFor: collectionSelect.id }, "Collection", collectionSelect))
    }
    const count = element("p", { className: "pa-count" }, initial)
    count.setAttribute("aria-live", "polite")
    tools.replaceChildren(controls, count)

    /* The server's view: what the page holds, with "load more" under its pager */
    addLoadMore()

    function addLoadMore() {
      const parts = region(tools)
      const pager = parts.find(el => el.matches("nav.pa-pager"))
      const next = pager && pager.querySelector("a[rel=next]")
      if (!next)
        return
      const button = element("button", { type: "button", className: "md-button pa-more" }, "Load the next page here")
      pager.after(button)
      loadButton = button
      button.addEventListener("click", async () => {
        button.disabled = true
        button.textContent = "Loading…"
        try {
          await loadPage(new URL(next.href), pager)
          button.remove()
          loadButton = null
          addLoadMore()
        } catch (err) {
          console.warn("atlas-lists: could not load", next.href, err)
          button.disabled = false
          button.textContent = "Load the next page here"
        }
      })
    }

    /* Append the next page's cards (and section headings) above this page's pager */
    async function loadPage(url, pager) {
      const res = await fetch(url)
      if (!res.ok)
        throw new Error(`HTTP ${res.status}`)
      const doc = new DOMParser().parseFromString(await res.text(), "text/html")
      const theirTools = doc.querySelector(".pa-tools")
      if (!theirTools)
        throw new Error("no list on that page")
      const parts = region(theirTools)
      for (const a of parts.flatMap(el => [el, ...el.querySelectorAll("[href]")]))
        if (a.hasAttribute("href")) {
          const href = sameSite(a.getAttribute("href"), url)
          if (href)
            a.setAttribute("href", href)
          else
            a.removeAttribute("href")
        }
      for (const el of parts.flatMap(p => [p, ...p.querySelectorAll("[id]")]))
        if (el.id && document.getElementById(el.id))
          el.removeAttribute("id")
      /* The section our page ends with goes on: drop its "continued" heading, join the cards */
      if (parts[0] && parts[0].matches("h2.pa-continued"))
        parts.shift()
      const ours = region(tools).filter(el => el.matches("ol.pa-cards")).pop()
      if (ours && parts[0] && parts[0].matches("ol.pa-cards"))
        ours.append(...parts.shift().children)
      const theirPager = parts.find(el => el.matches("nav.pa-pager"))
      for (const el of parts)
        if (el !== theirPager)
          pager.before(document.adoptNode(el))
      if (theirPager)
        pager.replaceWith(document.adoptNode(theirPager))
      else
        pager.remove()
      const shownCards = region(tools).reduce((n, el) => n + (el.matches("ol.pa-cards") ? el.children.length : 0), 0)
      initial = `The first ${number(shownCards)} papers, newest first.`
      count.textContent = initial
    }

    /* ----------------------------------------------------------------------- the view */

    function loadData() {
      if (!data)
        data = fetch(dataUrl)
          .then(res => {
            if (!res.ok)
              throw new Error(`HTTP ${res.status}`)
            return res.json()
          })
          .then(json => ({ json, rows: dataRows(json) }))
          .catch(err => {
            data = null
            throw err
          })
      return data
    }

    function describe(n, total) {
      const order = { newest: "newest first", upvotes: "most upvoted first", title: "by title" }[state.sort]
      if (n === total)
        return `${number(total)} paper${total === 1 ? "" : "s"}, ${order}.`
      return `${number(n)} of ${number(total)} papers match, ${order}.`
    }

    async function apply() {
      const mine = ++generation
      if (!dataUrl)
        return applyDom()
      if (isDefault(state)) {
        results?.remove()
        results = null
        region(tools).forEach(el => { el.hidden = false })
        if (loadButton)
          loadButton.hidden = false
        count.textContent = initial
        return
      }
      count.textContent = "Loading the whole list…"
      let loaded
      try {
        loaded = await loadData()
      } catch (err) {
        console.warn("atlas-lists: could not load", dataUrl.href, err)
        if (mine === generation)
          count.textContent = "The list could not be loaded for sorting and filtering; its pages are below."
        return
      }
      if (mine !== generation)
        return
      const { json, rows } = loaded
      const collections = json.collections.map(c => String(c[0]))
      selected = select(rows, state, collections)
      if (!flat && json.sections.length > 1) // keep each section apart: papers, then tagged by inference
        selected.sort((a, b) => a.section - b.section)
      region(tools).forEach(el => { el.hidden = true })
      if (loadButton)
        loadButton.hidden = true
      results?.remove()
      results = element("div", { className: "pa-results" })
      const lastOfRegion = region(tools).pop() || tools
      lastOfRegion.after(results)
      shown = 0
      count.textContent = describe(selected.length, rows.length)
      showMore(json)
    }

    function showMore(json) {
      const sections = !flat && json.sections.length > 1
      const stop = Math.min(selected.length, shown + STEP)
      let list = results.querySelector("ol.pa-cards:last-of-type")
      let current = shown > 0 ? selected[shown - 1].section : -1
      for (let k = shown; k < stop; k++) {
        const row = selected[k]
        if (!list || (sections && row.section !== current)) {
          const title = sections && json.sections[row.section][0]
          if (title)
            results.append(element("h2", {}, String(title)))
          list = element("ol", { className: "pa-cards" })
          results.append(list)
          current = row.section
        }
        list.append(card(row, json, dataUrl))
      }
      shown = stop
      results.querySelector(".pa-more")?.remove()
      if (shown < selected.length) {
        const rest = selected.length - shown
        const more = element("button", { type: "button", className: "md-button pa-more" },
          `Show ${number(Math.min(STEP, rest))} more (${number(rest)} left)`)
        more.addEventListener("click", () => showMore(json))
        results.append(more)
      }
    }

    function applyDom() {
      const list = region(tools).find(el => el.matches("ol.pa-cards"))
      if (!list)
        return
      if (!domList)
        domList = domRows(list)
      const order = isDefault(state) ? domList : select(domList, state, [])
      const keep = new Set(order)
      list.append(...order.map(r => r.el))
      for (const row of domList)
        if (!keep.has(row)) {
          row.el.hidden = true
          list.append(row.el)
        } else {
          row.el.hidden = false
        }
      count.textContent = isDefault(state) ? initial : describe(order.length, domList.length)
    }

    /* ----------------------------------------------------------------------- events */

    let typing = 0
    function changed(delay) {
      state = {
        q: filter.value,
        sort: sort.value,
        year: yearSelect ? yearSelect.value : "",
        collection: collectionSelect ? collectionSelect.value : ""
      }
      clearTimeout(typing)
      typing = setTimeout(() => {
        writeState(key, state)
        apply()
      }, delay)
    }
    filter.addEventListener("input", () => changed(150))
    for (const control of [sort, yearSelect, collectionSelect])
      control?.addEventListener("change", () => changed(0))

    if (!isDefault(state))
      apply()
  }

  document.querySelectorAll(".md-content .pa-tools").forEach(setup)
})()
