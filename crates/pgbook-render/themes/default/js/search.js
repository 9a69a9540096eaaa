// Client-side search over pgbook's split index: the manifest `searchindex.js`, then, per
// query word, the term fragments under `search/` whose word ranges can hold its matches, and
// the document fragments of the results shown — so a first search downloads a few fragments,
// not the whole index. Every file is a <script> that hands its data to
// pgbookSearchFragment(name, data), so search works from file:// as well as over HTTP.
// Query words match indexed words by prefix (SQL identifiers are indexed whole and by their
// `_` parts), scored as elasticlunr does (tf = sqrt(count), idf, field boosts). Results are
// driven by the keyboard (arrows, Enter); the page a result opens highlights the query's
// words (`?highlight=`).
(function () {
  'use strict';
  var root = document.documentElement.getAttribute('data-root') || '';
  var panel = document.getElementById('search');
  var input = document.getElementById('search-input');
  var results = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  var toggle = document.getElementById('search-toggle');
  if (!panel || !input || !results) { return; }

  var MAX_RESULTS = 30;
  // How many words a query word may expand to by prefix, and how many term fragments it may
  // load beyond the one holding it (a one- or two-letter prefix would otherwise load many).
  var MAX_EXPANSION = 400;
  var MAX_PREFIX_FRAGMENTS = 3;
  var MANIFEST = 'searchindex.js';

  // Fragments by name once their script has run, and the callbacks waiting for each.
  var fragments = {};
  var waiting = {};
  var failed = false;
  window.pgbookSearchFragment = function (name, data) { fragments[name] = data; };

  // Loads every named fragment not loaded yet, then calls `then` (once all have arrived).
  function need(names, then) {
    var missing = names.filter(function (name) { return !fragments[name]; });
    var left = missing.length;
    if (!left) { then(); return; }
    missing.forEach(function (name) {
      if (waiting[name]) { waiting[name].push(arrived); return; }
      waiting[name] = [arrived];
      var script = document.createElement('script');
      script.src = root + name;
      script.setAttribute('data-search-fragment', name);
      script.onload = function () {
        var callbacks = waiting[name];
        delete waiting[name];
        callbacks.forEach(function (callback) { callback(); });
      };
      script.onerror = function () {
        delete waiting[name];
        failed = true;
        status.textContent = 'The search index could not be loaded.';
      };
      document.head.appendChild(script);
    });
    function arrived() {
      if (--left === 0) { then(); }
    }
  }

  function manifest() { return fragments[MANIFEST]; }

  function open() {
    panel.hidden = false;
    input.focus();
    if (!manifest()) { status.textContent = 'Loading the search index…'; }
    need([MANIFEST], run);
  }

  function close() {
    panel.hidden = true;
  }

  function tokenize(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}_]+/u)
      .map(function (w) { return w.replace(/^_+|_+$/g, ''); })
      .filter(function (w) { return w.length > 1; });
  }

  // The term fragments that can hold words starting with `word`: the one whose range holds
  // `word` itself, then the following ones as long as they start with it. Fragments are in
  // the order of JavaScript's string comparison (the build sorts by UTF-16 code units).
  function termFiles(word) {
    var terms = manifest().terms;
    if (!terms.length) { return []; }
    var first = 0;
    for (var i = 0; i < terms.length && terms[i][0] <= word; i++) { first = i; }
    var files = [terms[first][1]];
    for (var j = first + 1; j < terms.length && terms[j][0].lastIndexOf(word, 0) === 0; j++) {
      if (files.length > MAX_PREFIX_FRAGMENTS) { break; }
      files.push(terms[j][1]);
    }
    return files;
  }

  // Every indexed word starting with `word` in the loaded fragments, the word itself first,
  // then the closest extensions.
  function expansions(word, files) {
    var found = [];
    files.forEach(function (file) {
      var words = fragments[file];
      for (var w in words) {
        if (Object.prototype.hasOwnProperty.call(words, w) && w.lastIndexOf(word, 0) === 0) {
          found.push([w, words[w]]);
        }
      }
    });
    found.sort(function (a, b) { return a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1); });
    return found.slice(0, MAX_EXPANSION);
  }

  // Adds to `scores` the score of every document of one field's postings
  // ([delta, count, ...]) for a query word matched at `depth` letters beyond it.
  function collect(postings, depth, word, weight, docCount, scores) {
    if (!postings.length) { return; }
    var exact = depth === 0 ? 1 : 0.6 / (1 + depth / 3);
    var df = postings.length / 2;
    var idf = 1 + Math.log(docCount / (df + 1) + 1);
    var doc = 0;
    for (var i = 0; i < postings.length; i += 2) {
      doc += postings[i];
      var s = Math.sqrt(postings[i + 1]) * idf * weight * exact;
      var entry = scores[doc] || (scores[doc] = { score: 0, words: {} });
      entry.score += s;
      entry.words[word] = true;
    }
  }

  // The documents (numbers) matching the query, best first.
  function search(words, files) {
    var index = manifest();
    var scores = {};
    // `[output.html.search]` of book.toml.
    var opts = index.opts || { limit: MAX_RESULTS, and: true, title: 3, body: 1 };
    words.forEach(function (word) {
      expansions(word, files[word]).forEach(function (match) {
        var depth = match[0].length - word.length;
        collect(match[1][0], depth, word, opts.title, index.docs, scores);
        collect(match[1][1], depth, word, opts.body, index.docs, scores);
      });
    });
    var refs = Object.keys(scores).filter(function (ref) {
      return !opts.and || Object.keys(scores[ref].words).length === words.length;
    });
    refs.sort(function (a, b) { return scores[b].score - scores[a].score || a - b; });
    return refs.slice(0, opts.limit).map(Number);
  }

  function docFile(n) { return manifest().doc_files[Math.floor(n / manifest().chunk)]; }
  function doc(n) { return fragments[docFile(n)][n % manifest().chunk]; }

  // The query the results on screen are for: running it again would only lose the selection.
  var shown = null;

  function run() {
    var query = input.value.trim();
    if (query === shown && manifest()) { return; }
    if (!query) { clear(); status.textContent = ''; shown = ''; return; }
    if (!manifest() || failed) { return; }
    var words = tokenize(query);
    var files = {};
    var all = [];
    words.forEach(function (word) {
      files[word] = termFiles(word);
      all = all.concat(files[word]);
    });
    need(all, function () {
      if (input.value.trim() !== query) { return; }  // a newer query is on its way
      var found = search(words, files);
      need(found.map(docFile), function () {
        if (input.value.trim() !== query) { return; }
        show(query, found.map(doc));
      });
    });
  }

  function clear() {
    while (results.firstChild) { results.removeChild(results.firstChild); }
  }

  function show(query, found) {
    clear();
    shown = query;
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
    timer = setTimeout(function () { need([MANIFEST], run); }, 60);
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
