// A classic script, so that it runs even when the modules cannot: when the
// page has loaded and app.js has not started (a file missing, most often
// web/vendor/ not filled by scripts/web-deps.sh), say so instead of
// "Connecting…" for ever.
window.addEventListener('load', function () {
  if (window.lightsout) return;
  var main = document.getElementById('main');
  var p = document.createElement('p');
  p.className = 'error';
  p.setAttribute('role', 'alert');
  p.textContent = 'The dashboard\u2019s scripts did not load. If web/vendor/ is empty, ' +
    'run scripts/web-deps.sh (it copies uPlot there from npm), then reload.';
  main.replaceChildren(p);
  main.dataset.state = 'error';
  main.removeAttribute('aria-busy');
});
