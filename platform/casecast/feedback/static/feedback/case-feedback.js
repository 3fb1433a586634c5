// Outcome feedback: while a score is being calculated, ask the server every few
// seconds and replace the feedback block when it changes. Without JavaScript the
// page offers a "Refresh" link instead.
const block = document.querySelector('[data-feedback-status-url]')
if (block) {
  const url = block.getAttribute('data-feedback-status-url')
  let tries = 0
  const poll = async () => {
    tries += 1
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (response.ok) {
        const data = await response.json()
        if (!data.pending) {
          block.innerHTML = data.html
          const live = document.getElementById('feedback-live')
          if (live) live.textContent = 'Your scores are ready.'
          return
        }
      }
    } catch (error) {
      // Network hiccup: try again below.
    }
    if (tries < 40) window.setTimeout(poll, 3000)
  }
  if (block.querySelector('[data-feedback-pending]')) {
    for (const link of block.querySelectorAll('[data-feedback-refresh]')) link.hidden = true
    window.setTimeout(poll, 2000)
  }
}
