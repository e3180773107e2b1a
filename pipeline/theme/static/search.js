/* The search page of pipeline's default theme: lunr.js (assets/lunr.min.js, MIT) over the
 * site's search/search_index.js, in the browser, with no server and no network: the index
 * is a script, not a fetched JSON file, so the page works from file:// too. */
(function () {
  "use strict";
  var data = window.__pipelineSearchIndex;
  var input = document.getElementById("search-query");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  if (!data || !window.lunr) {
    status.textContent = "The search index is missing: build the site with search on.";
    return;
  }
  // Stop words are not in the index: requiring one would find nothing.
  var terms = lunr.tokenizer(query).filter(function (t) { return lunr.stopWordFilter(t); });
  if (!terms.length) return;
  var started = performance.now();
  // lunr indexes about 120 documents a second here: all of a 1000-page site (2700 entries)
  // took 19-25 s (perftools serialize-goals). Only entries that hold every query stem as a
  // substring can match, so only those are indexed; lunr then stems, matches and ranks.
  var stems = terms.map(function (t) { return lunr.stemmer(t.clone()).toString(); });
  var docs = {};
  var index = lunr(function () {
    this.ref("location");
    this.field("title", { boost: 10 });
    this.field("text");
    data.docs.forEach(function (doc) {
      var haystack = (doc.title + " " + doc.text).toLowerCase();
      if (stems.every(function (stem) { return haystack.indexOf(stem) !== -1; })) {
        docs[doc.location] = doc;
        this.add(doc);
      }
    }, this);
  });
  var built = performance.now();
  var hits = index.query(function (q) {
    terms.forEach(function (term) {
      q.term(term.toString(), { presence: lunr.Query.presence.REQUIRED });
    });
  });
  hits.forEach(function (hit) {
    var doc = docs[hit.ref];
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = doc.location;
    link.className = "page-title";
    link.textContent = doc.title;
    var text = document.createElement("p");
    text.textContent = doc.text.length > 200 ? doc.text.slice(0, 200) + "…" : doc.text;
    item.appendChild(link);
    item.appendChild(text);
    list.appendChild(item);
  });
  status.textContent = hits.length + (hits.length === 1 ? " result" : " results") + " for “" + query + "”";
  // For measurements (perftools serialize-goals): index build and query, in ms.
  document.body.setAttribute("data-search-ms", (built - started).toFixed(1) + "," + (performance.now() - built).toFixed(1));
})();
