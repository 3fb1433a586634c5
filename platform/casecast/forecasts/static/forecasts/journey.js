// Casecast participant journey: progressive enhancement only.
//
// Every page works without this script: answers are typed into plain text
// inputs, totals are checked on the server, and drafts are saved by "Save and
// come back later" and on every submit. With JavaScript this adds:
//   - a labelled slider beside each probability input, kept in sync with it
//     and starting unset (no thumb shown, so nothing anchors at 50%);
//   - a live total for sets of percentages that must add up to 100;
//   - autosave: the form is posted to the draft endpoint 3 seconds after
//     typing stops (and when the tab is hidden or closed), with a discreet
//     "Saved at 14:32" status.

const AUTOSAVE_DELAY_MS = 3000
const TOTAL_DELAY_MS = 400

function debounce (fn, wait) {
  let timer = null
  return (...args) => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), wait)
  }
}

function wholePercent (text) {
  const match = /^\s*(\d{1,3})\s*%?\s*$/.exec(text)
  return match ? parseInt(match[1], 10) : null
}

// --- Probability sliders --------------------------------------------------

function addSlider (input) {
  const sliderId = `${input.id}-slider`
  const row = document.createElement('div')
  row.className = 'app-probability-input govuk-!-margin-top-2'

  const label = document.createElement('label')
  label.className = 'govuk-label govuk-!-width-full govuk-!-margin-bottom-0'
  label.htmlFor = sliderId
  label.textContent = 'Or use the slider'
  const context = document.createElement('span')
  context.className = 'govuk-visually-hidden'
  const questionLabel = document.querySelector(`label[for="${input.id}"]`)
  context.textContent = questionLabel
    ? ` for ${questionLabel.innerText.trim().replace(/\s*\n\s*/g, ': ')}`
    : ''
  label.appendChild(context)

  const slider = document.createElement('input')
  slider.type = 'range'
  slider.id = sliderId
  slider.min = '1'
  slider.max = '99'
  slider.step = '1'

  const value = document.createElement('span')
  value.className = 'app-probability-input__value'
  value.setAttribute('aria-hidden', 'true')

  const show = (percent) => {
    const isSet = percent !== null && percent >= 1 && percent <= 99
    slider.classList.toggle('app-slider--unset', !isSet)
    if (isSet) {
      slider.value = String(percent)
      slider.setAttribute('aria-valuetext', `${percent}%`)
      value.textContent = `${percent}%`
    } else {
      slider.setAttribute('aria-valuetext', 'Not set')
      value.textContent = '–'
    }
  }

  slider.addEventListener('input', () => {
    input.value = slider.value
    show(parseInt(slider.value, 10))
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
  input.addEventListener('input', (event) => {
    if (event.target === input) show(wholePercent(input.value))
  })
  // An untouched range input holds its midpoint, so the first arrow key would
  // step from an invisible 50% to 51%: the anchoring the unset look avoids. From
  // unset, keys that go up start at 1% and keys that go down start at 99%.
  slider.addEventListener('keydown', (event) => {
    if (!slider.classList.contains('app-slider--unset')) return
    const up = ['ArrowUp', 'ArrowRight', 'PageUp', 'Home']
    const down = ['ArrowDown', 'ArrowLeft', 'PageDown', 'End']
    if (!up.includes(event.key) && !down.includes(event.key)) return
    event.preventDefault()
    slider.value = up.includes(event.key) ? slider.min : slider.max
    slider.dispatchEvent(new Event('input'))
  })

  row.append(label, slider, value)
  input.closest('.govuk-input__wrapper').after(row)
  show(wholePercent(input.value))
}

// --- Live totals ------------------------------------------------------------

function totalMessage (total, filled) {
  if (!filled) return 'Total: 0%. The percentages must add up to 100%.'
  if (total === 100) return 'Total: 100%.'
  if (total < 100) return `Total: ${total}%. Add ${100 - total}% more to make 100%.`
  return `Total: ${total}%. Take away ${total - 100}% to make 100%.`
}

function addLiveTotal (form, box) {
  const inputs = form.querySelectorAll(`[data-total-for="${box.dataset.liveTotal}"]`)
  const update = () => {
    let total = 0
    let filled = 0
    inputs.forEach((input) => {
      const percent = wholePercent(input.value)
      if (percent !== null) {
        total += percent
        filled += 1
      }
    })
    box.textContent = totalMessage(total, filled)
    box.classList.toggle('app-live-total--invalid', filled > 0 && total !== 100)
  }
  box.hidden = false
  update()
  const later = debounce(update, TOTAL_DELAY_MS)
  inputs.forEach((input) => input.addEventListener('input', later))
}

// --- Autosave -----------------------------------------------------------------

function addAutosave (form) {
  const url = form.dataset.draftUrl
  const status = form.querySelector('[data-autosave-status]')
  const delay = () => parseInt(form.dataset.autosaveDelay || AUTOSAVE_DELAY_MS, 10)
  let dirty = false
  let submitting = false
  let timer = null

  const save = async () => {
    if (!dirty || submitting) return
    dirty = false
    const body = new FormData(form)
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        credentials: 'same-origin',
        headers: { 'X-CSRFToken': body.get('csrfmiddlewaretoken'), Accept: 'application/json' }
      })
      if (!response.ok) throw new Error(`draft not saved: ${response.status}`)
      const result = await response.json()
      if (status) status.textContent = `Saved at ${result.saved_at}`
    } catch (error) {
      dirty = true
      if (status) status.textContent = ''
    }
  }

  const changed = () => {
    dirty = true
    clearTimeout(timer)
    timer = setTimeout(save, delay())
  }
  const saveNow = () => {
    if (dirty && !submitting && navigator.sendBeacon) {
      navigator.sendBeacon(url, new FormData(form))
      dirty = false
    }
  }

  form.addEventListener('input', changed)
  form.addEventListener('change', changed)
  form.addEventListener('submit', () => {
    submitting = true
    clearTimeout(timer)
  })
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveNow()
  })
  window.addEventListener('pagehide', saveNow)
}

const form = document.querySelector('[data-journey-form]')
if (form) {
  form.querySelectorAll('input[data-probability]').forEach(addSlider)
  form.querySelectorAll('[data-live-total]').forEach((box) => addLiveTotal(form, box))
  addAutosave(form)
}
