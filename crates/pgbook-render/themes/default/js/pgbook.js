// pgbook's page behaviour: light/dark switch (remembered), copy buttons, the sidebar toggle
// and keyboard navigation. No dependencies; everything degrades to a readable static page.
(function () {
  'use strict';
  var root = document.documentElement;

  function storeTheme(theme) {
    try { localStorage.setItem('pgbook-theme', theme); } catch (e) { /* file:// or private mode */ }
  }

  var themeToggle = document.getElementById('theme-toggle');
  if (themeToggle) {
    themeToggle.addEventListener('click', function () {
      var next = root.getAttribute('data-theme') === 'dark' ? 'light' : 'dark';
      root.setAttribute('data-theme', next);
      storeTheme(next);
    });
  }

  // Scrolls the sidebar (not the page) so that the entry of the page being read is in its
  // middle; a sidebar that is not shown has no size yet, so this runs again when it opens.
  var sidebar = document.getElementById('sidebar');
  function revealCurrent() {
    var current = sidebar && sidebar.querySelector('.toc-item.current');
    if (!current || !sidebar.clientHeight) { return; }
    var top = current.getBoundingClientRect().top - sidebar.getBoundingClientRect().top;
    sidebar.scrollTop += top - (sidebar.clientHeight - current.offsetHeight) / 2;
  }

  var sidebarToggle = document.getElementById('sidebar-toggle');
  if (sidebarToggle) {
    sidebarToggle.addEventListener('click', function () {
      var narrow = window.matchMedia('(max-width: 900px)').matches;
      document.body.classList.toggle(narrow ? 'sidebar-open' : 'sidebar-hidden');
      revealCurrent();
    });
  }
  // After every script of the page has run (the sidebar's folding changes where it is).
  document.addEventListener('DOMContentLoaded', revealCurrent);

  function copyText(text, button) {
    function done() {
      button.textContent = 'Copied';
      button.classList.add('copied');
      setTimeout(function () { button.textContent = 'Copy'; button.classList.remove('copied'); }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  }

  function fallbackCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'absolute';
    area.style.left = '-9999px';
    document.body.appendChild(area);
    area.select();
    try { document.execCommand('copy'); } catch (e) { /* nothing more we can do */ }
    document.body.removeChild(area);
  }

  var blocks = document.querySelectorAll('pre.code, pre.sql');
  for (var i = 0; i < blocks.length; i++) {
    (function (pre) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'copy-button';
      button.textContent = 'Copy';
      button.setAttribute('aria-label', 'Copy this code');
      button.addEventListener('click', function () {
        var code = pre.querySelector('code');
        copyText((code || pre).textContent, button);
      });
      pre.appendChild(button);
    })(blocks[i]);
  }

  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var target = event.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) { return; }
    var link = null;
    if (event.key === 'ArrowLeft') { link = document.querySelector('a[rel="prev"]'); }
    if (event.key === 'ArrowRight') { link = document.querySelector('a[rel="next"]'); }
    if (link) { window.location.href = link.href; }
  });
})();
