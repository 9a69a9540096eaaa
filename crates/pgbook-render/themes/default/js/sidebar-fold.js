// mdBook's `[output.html.fold]`: entries of the sidebar that have sub-entries get a switch
// that folds them; entries at or below the book's fold level start folded, except those on
// the way to the page being read. The sidebar is a flat list with a depth class per entry, so
// an entry's sub-entries are the entries after it that are deeper.
(function () {
  'use strict';
  var toc = document.querySelector('.toc[data-fold-level]');
  if (!toc) { return; }
  var level = parseInt(toc.getAttribute('data-fold-level'), 10) || 0;
  var items = Array.prototype.slice.call(toc.children);
  // -1 for parts and separators, which end every fold.
  function depth(li) {
    if (!li.classList.contains('toc-item')) { return -1; }
    var m = /\bdepth-(\d+)\b/.exec(li.className);
    return m ? +m[1] : 0;
  }
  function hasChildren(i) {
    return i + 1 < items.length && depth(items[i + 1]) > depth(items[i]);
  }
  // Hides every entry under a folded one.
  function refresh() {
    var foldedAt = Infinity;
    items.forEach(function (li) {
      var d = depth(li);
      if (d <= foldedAt) { foldedAt = Infinity; }
      li.hidden = d > foldedAt;
      if (!li.hidden && li.classList.contains('folded')) { foldedAt = d; }
    });
  }
  // The current page's entry and the entries above it stay open.
  var onPath = [];
  var current = toc.querySelector('.toc-item.current');
  if (current) {
    var d = depth(current);
    onPath.push(current);
    for (var k = items.indexOf(current) - 1; k >= 0 && d > 0; k--) {
      var dk = depth(items[k]);
      if (dk >= 0 && dk < d) { onPath.push(items[k]); d = dk; }
    }
  }
  items.forEach(function (li, i) {
    if (depth(li) < 0 || !hasChildren(i)) { return; }
    var folded = depth(li) >= level && onPath.indexOf(li) < 0;
    li.classList.toggle('folded', folded);
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'fold-toggle';
    button.textContent = '▸';
    button.setAttribute('aria-expanded', String(!folded));
    button.setAttribute('aria-label', 'Show or hide the entries under this one');
    button.addEventListener('click', function () {
      var now = li.classList.toggle('folded');
      button.setAttribute('aria-expanded', String(!now));
      refresh();
    });
    li.insertBefore(button, li.firstChild);
  });
  refresh();
})();
