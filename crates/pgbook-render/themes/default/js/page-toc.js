// The "on this page" list: collapsed on narrow screens (it sits above the chapter there), and
// the section being read highlighted while scrolling — the last heading above the top of the
// viewport, or the first one before any is reached.
(function () {
  'use strict';
  var toc = document.getElementById('page-toc');
  if (!toc) { return; }
  var narrow = window.matchMedia('(max-width: 1200px)');
  function fit() { toc.open = !narrow.matches; }
  fit();
  if (narrow.addEventListener) { narrow.addEventListener('change', fit); }
  // On wide screens the list is always open: its title is a heading, not a switch.
  toc.querySelector('summary').addEventListener('click', function (event) {
    if (!narrow.matches) { event.preventDefault(); }
  });

  var links = toc.querySelectorAll('a[href^="#"]');
  var targets = [];
  for (var i = 0; i < links.length; i++) {
    var el = document.getElementById(decodeURIComponent(links[i].getAttribute('href').slice(1)));
    if (el) { targets.push({ link: links[i], heading: el }); }
  }
  if (!targets.length) { return; }
  var active = null;
  var pending = false;

  function update() {
    pending = false;
    var offset = 90;
    var current = targets[0];
    for (var i = 0; i < targets.length; i++) {
      if (targets[i].heading.getBoundingClientRect().top <= offset) { current = targets[i]; } else { break; }
    }
    // At the very bottom the last sections may never reach the top: the last one is current.
    if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) {
      current = targets[targets.length - 1];
    }
    if (current === active) { return; }
    if (active) { active.link.classList.remove('active'); active.link.removeAttribute('aria-current'); }
    active = current;
    active.link.classList.add('active');
    active.link.setAttribute('aria-current', 'location');
  }

  window.addEventListener('scroll', function () {
    if (!pending) { pending = true; window.requestAnimationFrame(update); }
  }, { passive: true });
  update();
})();
