/*
 * Paper Atlas previews: hovering a link to a paper (or focusing it from the keyboard) shows,
 * after a short pause, the paper's title, byline and first sentences in a small box under it.
 *
 * The preview is read from the paper's own page (fetched once, then kept), so nothing extra is
 * built. A mouse hover or a keyboard focus shows it; a touch never does (tapping follows the link,
 * as before). It stays while the pointer is over the link or the box, and Escape closes it. The
 * box is a role="tooltip" that the link names with aria-describedby while it is shown.
 * Text from the fetched page is only ever set as text, never as HTML.
 *
 * Material for MkDocs 9.8 ships "instant previews" (navigation.instant.preview) in its free
 * build, but they need the whole sitemap.xml first (several MB at 100,000 papers) and show the
 * section after the heading (here the byline and chips), not the abstract.
 */
"use strict"
;(() => {
  const DELAY = 350 // ms of hovering before a preview is fetched and shown
  const HIDE_DELAY = 200 // ms to move the pointer from the link into the box
  const SENTENCES = 2
  const CHARS = 320

  const config = document.getElementById("__config")
  let base
  try {
    base = new URL(JSON.parse(config.textContent).base + "/", location.href)
  } catch {
    return
  }
  const papers = base.pathname + "papers/"
  const cache = new Map() // url -> Promise of {title, byline, text}
  let box = null
  let link = null // the link whose preview is shown or coming
  let showTimer = 0
  let hideTimer = 0

  function target(el) {
    const a = el instanceof Element ? el.closest(".md-content a[href]") : null
    if (!a || a.closest(".pa-preview") || a.classList.contains("headerlink"))
      return null
    const url = new URL(a.href, location.href)
    if (url.origin !== location.origin || !url.pathname.startsWith(papers) || url.pathname === location.pathname)
      return null
    return a
  }

  function firstSentences(text) {
    const sentences = text.trim().split(/(?<=[.!?])\s+(?=[A-Z0-9])/)
    let out = ""
    for (const s of sentences.slice(0, SENTENCES)) {
      if (out && out.length + s.length > CHARS)
        break
      out += (out ? " " : "") + s
    }
    return out.length > CHARS ? out.slice(0, CHARS).replace(/\s+\S*$/, "") + "…" : out
  }

  function load(href) {
    const url = new URL(href)
    url.hash = ""
    let found = cache.get(url.href)
    if (!found) {
      found = fetch(url)
        .then(res => {
          if (!res.ok)
            throw new Error(`HTTP ${res.status}`)
          return res.text()
        })
        .then(html => {
          const doc = new DOMParser().parseFromString(html, "text/html")
          const h1 = doc.querySelector("article h1")
          h1?.querySelector(".headerlink")?.remove()
          const byline = doc.querySelector("article .pa-byline")
          const abstract = doc.querySelector("article .pa-abstract")
          return {
            title: h1 ? h1.textContent.trim() : "",
            byline: byline ? byline.textContent.trim() : "",
            text: abstract ? firstSentences(abstract.textContent) : ""
          }
        })
      found.catch(() => cache.delete(url.href))
      cache.set(url.href, found)
    }
    return found
  }

  function ensureBox() {
    if (!box) {
      box = document.createElement("div")
      box.className = "pa-preview"
      box.id = "pa-preview"
      box.setAttribute("role", "tooltip")
      box.hidden = true
      box.addEventListener("pointerenter", () => clearTimeout(hideTimer))
      box.addEventListener("pointerleave", () => hideSoon())
      document.body.append(box)
    }
    return box
  }

  function place(a) {
    const rect = a.getBoundingClientRect()
    const width = Math.min(box.offsetWidth, document.documentElement.clientWidth - 16)
    const left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8))
    const below = rect.bottom + 6
    const above = rect.top - box.offsetHeight - 6
    const top = below + box.offsetHeight > innerHeight && above > 0 ? above : below
    box.style.left = `${left + scrollX}px`
    box.style.top = `${top + scrollY}px`
  }

  async function show(a) {
    let info
    try {
      info = await load(a.href)
    } catch (err) {
      console.warn("atlas-preview: could not load", a.href, err)
      return
    }
    if (link !== a || !a.isConnected)
      return
    ensureBox()
    const parts = [Object.assign(document.createElement("strong"), { textContent: info.title })]
    if (info.byline)
      parts.push(Object.assign(document.createElement("span"), { className: "pa-by", textContent: info.byline }))
    if (info.text)
      parts.push(Object.assign(document.createElement("p"), { textContent: info.text }))
    box.replaceChildren(...parts)
    box.hidden = false
    place(a)
    a.setAttribute("aria-describedby", box.id)
  }

  function schedule(a) {
    clearTimeout(hideTimer)
    if (link === a)
      return
    hide()
    link = a
    showTimer = setTimeout(() => show(a), DELAY)
  }

  function hide() {
    clearTimeout(showTimer)
    clearTimeout(hideTimer)
    if (link)
      link.removeAttribute("aria-describedby")
    link = null
    if (box)
      box.hidden = true
  }

  function hideSoon() {
    clearTimeout(hideTimer)
    hideTimer = setTimeout(hide, HIDE_DELAY)
  }

  document.addEventListener("pointerover", ev => {
    if (ev.pointerType !== "mouse")
      return
    const a = target(ev.target)
    if (a)
      schedule(a)
  })
  document.addEventListener("pointerout", ev => {
    if (ev.pointerType === "mouse" && link && target(ev.target) === link && !link.contains(ev.relatedTarget))
      hideSoon()
  })
  document.addEventListener("focusin", ev => {
    const a = target(ev.target)
    if (a && a.matches(":focus-visible"))
      schedule(a)
  })
  document.addEventListener("focusout", ev => {
    if (link && ev.target === link)
      hide()
  })
  document.addEventListener("keydown", ev => {
    if (ev.key === "Escape" && link)
      hide()
  })
  document.addEventListener("pointerdown", ev => {
    if (box && !box.contains(ev.target))
      hide()
  })
})()
