// The book's table of contents, one file shared by every page (the browser caches it) instead
// of a copy in each. Loaded by a plain <script> right after the sidebar's empty list, so it
// works from file:// and the entries are there before the page is first drawn. The entries'
// links are relative to the site root; the page says where that is (data-root) and which
// entry it is (data-current on the list).
(function () {
  'use strict';
  var list = document.getElementById('toc');
  if (!list) { return; }
  var root = document.documentElement.getAttribute('data-root') || '';
  var here = list.getAttribute('data-current');
  list.innerHTML = {{ entries_json|safe }};
  var links = list.getElementsByTagName('a');
  for (var i = 0; i < links.length; i++) {
    var link = links[i];
    var href = link.getAttribute('href');
    if (href === here) {
      link.setAttribute('aria-current', 'page');
      link.parentNode.classList.add('current');
    }
    link.setAttribute('href', root + href);
  }
})();
