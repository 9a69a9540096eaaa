// Client-side search over searchindex.js (an elasticlunr index built by pgbook, one document
// per heading section). The index is loaded on first use with a <script> tag, so search works
// from file:// as well as over HTTP. Query words match indexed words by prefix.
(function () {
  'use strict';
  var root = document.documentElement.getAttribute('data-root') || '';
  var panel = document.getElementById('search');
  var input = document.getElementById('search-input');
  var results = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  var toggle = document.getElementById('search-toggle');
  if (!panel || !input || !results) { return; }

  var loading = false;
  var MAX_RESULTS = 30;
  var MAX_EXPANSION = 400;

  function loadIndex(then) {
    if (window.pgbookSearchIndex) { then(); return; }
    if (loading) { return; }
    loading = true;
    status.textContent = 'Loading the search index…';
    var script = document.createElement('script');
    script.src = root + 'searchindex.js';
    script.onload = function () { loading = false; status.textContent = ''; then(); };
    script.onerror = function () { loading = false; status.textContent = 'The search index could not be loaded.'; };
    document.head.appendChild(script);
  }

  function open() {
    panel.hidden = false;
    input.focus();
    loadIndex(run);
  }

  function close() {
    panel.hidden = true;
  }

  function tokenize(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(function (w) { return w.length > 1; });
  }

  // The trie node for `word`, or null.
  function node(fieldRoot, word) {
    var n = fieldRoot;
    for (var i = 0; i < word.length && n; i++) { n = n[word.charAt(i)]; }
    return n || null;
  }

  // Adds the score of every document under `start` (words with the query word as prefix).
  function collect(start, word, weight, docCount, scores) {
    var stack = [{ n: start, depth: 0 }];
    var visited = 0;
    while (stack.length && visited < MAX_EXPANSION) {
      var item = stack.pop();
      var n = item.n;
      visited++;
      if (n.docs) {
        var exact = item.depth === 0 ? 1 : 0.6 / (1 + item.depth / 3);
        var idf = 1 + Math.log(docCount / (n.df + 1) + 1);
        for (var ref in n.docs) {
          if (!Object.prototype.hasOwnProperty.call(n.docs, ref)) { continue; }
          var s = n.docs[ref].tf * idf * weight * exact;
          var entry = scores[ref] || (scores[ref] = { score: 0, words: {} });
          entry.score += s;
          entry.words[word] = true;
        }
      }
      for (var key in n) {
        if (key.length === 1 && Object.prototype.hasOwnProperty.call(n, key)) {
          stack.push({ n: n[key], depth: item.depth + 1 });
        }
      }
    }
  }

  function search(query) {
    var data = window.pgbookSearchIndex;
    var words = tokenize(query);
    if (!data || !words.length) { return []; }
    var docCount = data.docs.length;
    var scores = {};
    var fields = [['title', 3], ['body', 1]];
    words.forEach(function (word) {
      fields.forEach(function (f) {
        var fieldIndex = data.index.index[f[0]];
        var start = fieldIndex && node(fieldIndex.root, word);
        if (start) { collect(start, word, f[1], docCount, scores); }
      });
    });
    var refs = Object.keys(scores).filter(function (ref) {
      return Object.keys(scores[ref].words).length === words.length;
    });
    refs.sort(function (a, b) { return scores[b].score - scores[a].score; });
    return refs.slice(0, MAX_RESULTS).map(function (ref) { return data.docs[+ref]; });
  }

  function run() {
    var query = input.value.trim();
    while (results.firstChild) { results.removeChild(results.firstChild); }
    if (!query) { status.textContent = ''; return; }
    if (!window.pgbookSearchIndex) { return; }
    var found = search(query);
    status.textContent = found.length ? found.length + (found.length === 1 ? ' result' : ' results') : 'No results for “' + query + '”.';
    found.forEach(function (doc) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = root + doc.u;
      a.textContent = doc.t;
      if (doc.c && doc.c !== doc.t) {
        var crumb = document.createElement('span');
        crumb.className = 'crumb';
        crumb.textContent = doc.c + ' › ';
        a.insertBefore(crumb, a.firstChild);
      }
      li.appendChild(a);
      if (doc.b) {
        var p = document.createElement('p');
        p.textContent = doc.b;
        li.appendChild(p);
      }
      results.appendChild(li);
    });
  }

  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { loadIndex(run); }, 60);
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { close(); }
    if (event.key === 'Enter') {
      var first = results.querySelector('a');
      if (first) { window.location.href = first.href; }
    }
  });
  if (toggle) {
    toggle.addEventListener('click', function () { if (panel.hidden) { open(); } else { close(); } });
  }
  document.addEventListener('keydown', function (event) {
    var target = event.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) { return; }
    if (event.key === '/' || event.key === 's') {
      event.preventDefault();
      open();
    }
  });
})();
