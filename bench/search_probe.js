#!/usr/bin/env node
// Runs a built site's own search script (js/search.js) outside a browser, on a minimal stand-in
// for the page, and reports for each query what a reader's *first* search would show and
// download: the result URLs in order, and the files its <script> tags loaded with their bytes.
// Each query starts from a fresh page, so nothing is cached between them.
//
// Used by bench/bigbook.sh (first-search download on the 10x book) and to compare results and
// ranking between two builds of the same book (before/after a change to the index).
//
// Usage: node bench/search_probe.js SITE_DIR QUERY [QUERY...]
// Prints one JSON object per query: {"query", "results": [url...], "loaded": [[file, bytes]...],
// "bytes"}.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

function element(tag) {
  const el = {
    tagName: tag.toUpperCase(), children: [], attributes: {}, listeners: {}, textContent: '',
    hidden: false, value: '', style: {},
    classList: { add() {}, remove() {}, toggle() {}, contains() { return false; } },
    appendChild(child) { this.children.push(child); return child; },
    insertBefore(child) { this.children.unshift(child); return child; },
    removeChild(child) { this.children.splice(this.children.indexOf(child), 1); return child; },
    get firstChild() { return this.children[0] || null; },
    setAttribute(name, value) { this.attributes[name] = String(value); },
    getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; },
    removeAttribute(name) { delete this.attributes[name]; },
    addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); },
    dispatch(type, event) { (this.listeners[type] || []).forEach((fn) => fn(event || {})); },
    focus() {},
    querySelectorAll(selector) {
      if (selector === 'li') { return this.children; }
      if (selector === 'li a') { return this.children.map((li) => li.children[0]); }
      return [];
    },
  };
  return el;
}

function probe(site, query) {
  return new Promise((resolve, reject) => {
    const loaded = [];
    const ids = {};
    for (const id of ['search', 'search-input', 'search-results', 'search-status', 'search-toggle']) {
      ids[id] = element('div');
    }
    const head = element('head');
    const document = {
      documentElement: { getAttribute: () => '' },
      head,
      getElementById: (id) => ids[id] || null,
      createElement: element,
      querySelector: () => null,
      addEventListener() {},
    };
    const context = { document, console, setTimeout, clearTimeout, Math, Object, JSON };
    context.window = context;
    context.window.location = { search: '', hash: '', href: '' };
    vm.createContext(context);
    head.appendChild = function (script) {
      const file = script.src;
      fs.readFile(path.join(site, file), 'utf8', (err, text) => {
        if (err) { script.onerror && script.onerror(); reject(err); return; }
        loaded.push([file, Buffer.byteLength(text)]);
        vm.runInContext(text, context, { filename: file });
        script.onload();
      });
      return script;
    };
    vm.runInContext(fs.readFileSync(path.join(site, 'js/search.js'), 'utf8'), context);
    const input = ids['search-input'];
    const status = ids['search-status'];
    ids['search-toggle'].dispatch('click');
    input.value = query;
    input.dispatch('input');
    const started = Date.now();
    (function wait() {
      const text = status.textContent;
      if (/result/.test(text)) {
        const results = ids['search-results'].children.map((li) => li.children[0].href);
        resolve({ query, results, loaded, bytes: loaded.reduce((sum, f) => sum + f[1], 0) });
      } else if (Date.now() - started > 60000) {
        reject(new Error(`no results shown for ${query}: ${text}`));
      } else {
        setTimeout(wait, 5);
      }
    })();
  });
}

(async () => {
  const [site, ...queries] = process.argv.slice(2);
  for (const query of queries) {
    console.log(JSON.stringify(await probe(site, query)));
  }
})().catch((e) => { console.error(e); process.exit(1); });
