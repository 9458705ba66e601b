/*
 * Paper Atlas search: the true number of matches above the results.
 *
 * Material's search box counts the results the worker hands it ("50 matching documents"); the
 * worker (atlas-search-worker.js) hands it at most the best 50, so for a query that more papers
 * match it would show a cap as a count. The worker also announces, on the BroadcastChannel
 * "atlas-search", how many documents matched and how many it listed, with the first result's
 * location; when the results shown are those (same first result) and more matched than are
 * listed, this rewrites the count: "93 matching documents, the best 50 listed".
 */
"use strict"
;(() => {
  const meta = document.querySelector(".md-search-result__meta")
  const list = document.querySelector(".md-search-result__list")
  if (!meta || !list || !("BroadcastChannel" in window))
    return
  let other = "# matching documents"
  try {
    other = JSON.parse(document.getElementById("__config").textContent).translations["search.result.other"] || other
  } catch {
    /* Material's English text */
  }
  let last = null // {first, total, listed}

  function fix() {
    if (!last || last.total <= last.listed)
      return
    const first = list.querySelector("a[href]")
    if (!first || !new URL(first.href).pathname.endsWith("/" + last.first.replace(/^\/+/, "")))
      return
    const text = `${other.replace("#", last.total.toLocaleString("en"))}, the best ${last.listed} listed`
    if (meta.textContent !== text)
      meta.textContent = text
  }

  new BroadcastChannel("atlas-search").addEventListener("message", ev => {
    const data = ev.data || {}
    if (typeof data.total === "number" && typeof data.listed === "number" && typeof data.first === "string") {
      last = data
      fix()
    }
  })
  new MutationObserver(fix).observe(meta, { childList: true, characterData: true, subtree: true })
  new MutationObserver(fix).observe(list, { childList: true })
})()
