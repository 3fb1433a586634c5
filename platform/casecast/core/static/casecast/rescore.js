// The rescore page's live progress (resolution/rescore.html). Without
// JavaScript the page refreshes itself every 5 seconds instead (a <meta>
// refresh, removed here so the two do not fight). Kept out of the template
// because the Content Security Policy allows no inline scripts.
(function () {
  var box = document.getElementById('rescore-progress')
  if (!box || box.dataset.active !== 'true' || !window.fetch) return
  var meta = document.querySelector('meta[http-equiv="refresh"]')
  if (meta) meta.parentNode.removeChild(meta)
  var bar = box.querySelector('progress')
  var text = document.getElementById('rescore-text')
  function poll () {
    fetch(box.dataset.statusUrl, { credentials: 'same-origin' })
      .then(function (r) { return r.json() })
      .then(function (job) {
        bar.value = job.percent
        bar.textContent = job.percent + '%'
        if (text.textContent !== job.text) text.textContent = job.text
        if (job.active) { setTimeout(poll, 1000) } else { window.location.reload() }
      })
      .catch(function () { setTimeout(poll, 5000) })
  }
  setTimeout(poll, 1000)
})()
