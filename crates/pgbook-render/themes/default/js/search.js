// Client-side search over searchindex.js (an elasticlunr index built by pgbook, one document
// per heading section). The index is loaded on first use with a <script> tag, so search works
// from file:// as well as over HTTP. Query words match indexed words by prefix (SQL
// identifiers are indexed whole and by their `_` parts). Results are driven by the keyboard
// (arrows, Enter); the page a result opens highlights the query's words (`?highlight=`).
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
    return text.toLowerCase().split(/[^\p{L}\p{N}_]+/u)
      .map(function (w) { return w.replace(/^_+|_+$/g, ''); })
      .filter(function (w) { return w.length > 1; });
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
    // `[output.html.search]` of book.toml.
    var opts = data.opts || { limit: MAX_RESULTS, and: true, title: 3, body: 1 };
    var fields = [['title', opts.title], ['body', opts.body]];
    words.forEach(function (word) {
      fields.forEach(function (f) {
        var fieldIndex = data.index.index[f[0]];
        var start = fieldIndex && node(fieldIndex.root, word);
        if (start) { collect(start, word, f[1], docCount, scores); }
      });
    });
    var refs = Object.keys(scores).filter(function (ref) {
      return !opts.and || Object.keys(scores[ref].words).length === words.length;
    });
    refs.sort(function (a, b) { return scores[b].score - scores[a].score; });
    return refs.slice(0, opts.limit).map(function (ref) { return data.docs[+ref]; });
  }

  // The query the results on screen are for: running it again would only lose the selection.
  var shown = null;

  function run() {
    var query = input.value.trim();
    if (query === shown && window.pgbookSearchIndex) { return; }
    while (results.firstChild) { results.removeChild(results.firstChild); }
    if (!query) { status.textContent = ''; shown = ''; return; }
    if (!window.pgbookSearchIndex) { return; }
    shown = query;
    var found = search(query);
    status.textContent = found.length ? found.length + (found.length === 1 ? ' result' : ' results') : 'No results for “' + query + '”.';
    var highlight = '?highlight=' + encodeURIComponent(tokenize(query).join(' '));
    found.forEach(function (doc, i) {
      var li = document.createElement('li');
      li.id = 'search-result-' + i;
      li.setAttribute('role', 'option');
      var a = document.createElement('a');
      var hash = doc.u.indexOf('#');
      a.href = root + (hash < 0 ? doc.u + highlight : doc.u.slice(0, hash) + highlight + doc.u.slice(hash));
      a.tabIndex = -1;
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
    select(found.length ? 0 : -1);
  }

  // The result the keyboard is on; the input keeps the focus (aria-activedescendant).
  var selected = -1;
  function select(i) {
    var items = results.querySelectorAll('li');
    if (selected >= 0 && items[selected]) { items[selected].classList.remove('selected'); items[selected].removeAttribute('aria-selected'); }
    selected = items.length ? Math.max(0, Math.min(i, items.length - 1)) : -1;
    if (selected < 0) { input.removeAttribute('aria-activedescendant'); return; }
    var item = items[selected];
    item.classList.add('selected');
    item.setAttribute('aria-selected', 'true');
    input.setAttribute('aria-activedescendant', item.id);
    if (item.scrollIntoView) { item.scrollIntoView({ block: 'nearest' }); }
  }

  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { loadIndex(run); }, 60);
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { close(); }
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      select(selected + (event.key === 'ArrowDown' ? 1 : -1));
    }
    if (event.key === 'Enter') {
      var items = results.querySelectorAll('li a');
      var target = items[selected >= 0 ? selected : 0];
      if (target) { event.preventDefault(); window.location.href = target.href; }
    }
  });
  results.setAttribute('role', 'listbox');
  input.setAttribute('aria-controls', 'search-results');

  // The page was opened from a search result: mark the query's words in the chapter, where a
  // word starts (a whole word or an identifier's `_` part), and bring the first into view
  // unless the URL names a section.
  function highlightPage() {
    var match = /[?&]highlight=([^&#]*)/.exec(window.location.search);
    var chapter = document.querySelector('.chapter');
    if (!match || !chapter) { return; }
    var words = tokenize(decodeURIComponent(match[1].replace(/\+/g, ' ')));
    if (!words.length) { return; }
    var escaped = words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); });
    var pattern = new RegExp('(^|[^\\p{L}\\p{N}])(' + escaped.join('|') + ')', 'giu');
    var walker = document.createTreeWalker(chapter, NodeFilter.SHOW_TEXT, null);
    var nodes = [];
    while (walker.nextNode()) { nodes.push(walker.currentNode); }
    var first = null;
    nodes.forEach(function (text) {
      var parent = text.parentNode;
      if (!parent || parent.closest('script, style, .anchor, .copy-button')) { return; }
      var value = text.nodeValue;
      pattern.lastIndex = 0;
      var m, last = 0, pieces = [];
      while ((m = pattern.exec(value))) {
        var start = m.index + m[1].length;
        pieces.push(document.createTextNode(value.slice(last, start)));
        var mark = document.createElement('mark');
        mark.className = 'search-hit';
        mark.textContent = m[2];
        pieces.push(mark);
        first = first || mark;
        last = start + m[2].length;
      }
      if (!pieces.length) { return; }
      pieces.push(document.createTextNode(value.slice(last)));
      pieces.forEach(function (piece) { parent.insertBefore(piece, text); });
      parent.removeChild(text);
    });
    if (first && !window.location.hash && first.scrollIntoView) { first.scrollIntoView({ block: 'center' }); }
  }
  highlightPage();

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
