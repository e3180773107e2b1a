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
  var SEPARATOR = /[\s\-]/;  // where lunr's tokenizer splits words (lunr.tokenizer.separator)
  var WORD = /\w/;  // what lunr's trimmer keeps at a word's ends
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
  // took 19-25 s (perftools serialize-goals). So the entries that lunr would match are
  // found first: those that hold, for each query term, a word whose lunr stem is the
  // term's (looked for only where the stem's first letters occur). Of those, at most
  // MAX_INDEXED are indexed, the ones where the terms occur most for their length (a
  // word in the title counting ten); lunr then matches and ranks them.
  var MAX_INDEXED = 100;
  var stems = terms.map(function (t) { return lunr.stemmer(t.clone()).toString(); });
  var stemOf = new Map();  // token -> its lunr stem, as lunr's pipeline makes it ("" if none)
  var candidates = [];
  var pageTitles = new Map();  // a page's location -> its title, shown with its sections'
  data.docs.forEach(function (doc) {
    if (doc.location.indexOf("#") === -1) pageTitles.set(doc.location, doc.title);
    var title = doc.title.toLowerCase();
    var text = doc.text.toLowerCase();
    var score = 0;
    for (var i = 0; i < stems.length; i++) {
      var found = 10 * words(title, stems[i]) + words(text, stems[i]);
      if (!found) return;
      score += found;
    }
    candidates.push({ doc: doc, score: score / Math.sqrt(100 + text.length) });
  });
  if (candidates.length > MAX_INDEXED) {
    candidates.sort(function (a, b) { return b.score - a.score; });
  }
  var indexed = candidates.slice(0, MAX_INDEXED);
  var docs = {};
  var index = lunr(function () {
    this.ref("location");
    this.field("title", { boost: 10 });
    this.field("text");
    indexed.forEach(function (candidate) {
      docs[candidate.doc.location] = candidate.doc;
      this.add(candidate.doc);
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
    // A section's entry has its heading for a title: the page's goes before it.
    var page = pageTitles.get(doc.location.split("#")[0]);
    link.textContent = page !== undefined && page !== doc.title ? page + " › " + doc.title : doc.title;
    var text = document.createElement("p");
    text.textContent = doc.text.length > 200 ? doc.text.slice(0, 200) + "…" : doc.text;
    item.appendChild(link);
    item.appendChild(text);
    list.appendChild(item);
  });
  status.textContent = hits.length + (hits.length === 1 ? " result" : " results") + " for “" + query + "”" +
    (candidates.length > MAX_INDEXED ? " (the best of " + candidates.length + ")" : "");
  // For measurements (perftools serialize-goals): index build and query, in ms.
  document.body.setAttribute("data-search-ms", (built - started).toFixed(1) + "," + (performance.now() - built).toFixed(1));
  document.body.setAttribute("data-search-indexed", indexed.length + "," + candidates.length);

  // How many words of ``text`` (lower case) lunr would index under ``stem``: tokens split
  // at white space and hyphens, trimmed of non-word characters at both ends, stop words
  // left out, stemmed. A stem keeps its word's start but for its last two letters at most
  // ("happy" -> "happi", "sensibility" -> "sensible" -> "sens"), so only tokens whose
  // trimmed word starts with the stem less its last three letters are stemmed.
  function words(text, stem) {
    var key = stem.slice(0, Math.max(1, stem.length - 3));
    var count = 0;
    var at = text.indexOf(key);
    while (at !== -1) {
      var start = at;
      while (start > 0 && !SEPARATOR.test(text.charAt(start - 1))) start--;
      if (WORD.test(text.slice(start, at))) {  // the key is inside the word, not its start
        at = text.indexOf(key, at + 1);
        continue;
      }
      var end = at + key.length;
      while (end < text.length && !SEPARATOR.test(text.charAt(end))) end++;
      var token = text.slice(start, end);
      if (!stemOf.has(token)) {
        var trimmed = lunr.trimmer(new lunr.Token(token));
        stemOf.set(token, lunr.stopWordFilter(trimmed) ? lunr.stemmer(trimmed).toString() : "");
      }
      if (stemOf.get(token) === stem) count++;
      at = text.indexOf(key, end);
    }
    return count;
  }
})();
