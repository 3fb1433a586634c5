// Practice forecasts: the worker's label for a case lives only in this browser.
//
// The label input has no `name`, so the form never posts it; this script files
// it in localStorage under the forecast's random local id just before the form
// is sent, and shows it next to the forecast on later pages. Nothing here
// makes a request. Without JavaScript the label field stays hidden and the
// pages work without labels (the page's help says so).
const PREFIX = 'casecast.practice.label.'

const storage = (() => {
  try {
    const probe = PREFIX + 'probe'
    window.localStorage.setItem(probe, '1')
    window.localStorage.removeItem(probe)
    return window.localStorage
  } catch (error) {
    return null // storage blocked (private browsing, policy): no labels, nothing breaks
  }
})()

const labelFor = (localId) => (storage ? storage.getItem(PREFIX + localId) : null)

// The new-forecast form: reveal the label field and keep its value on this device.
const form = document.querySelector('[data-practice-form]')
if (form && storage) {
  const group = form.querySelector('[data-practice-label-group]')
  const input = form.querySelector('[data-practice-label-input]')
  const localId = form.querySelector('input[name="local_id"]')
  if (group && input && localId) {
    group.hidden = false
    input.value = labelFor(localId.value) || '' // shown again if the form came back with errors
    form.addEventListener('submit', () => {
      const label = input.value.trim()
      if (label) storage.setItem(PREFIX + localId.value, label)
      else storage.removeItem(PREFIX + localId.value)
    })
  }
}

// Lists and the outcome page: show each forecast's label, if this device has one.
for (const slot of document.querySelectorAll('[data-practice-label]')) {
  const label = labelFor(slot.getAttribute('data-practice-label'))
  if (label) slot.textContent = label // text, never HTML
}

// "Delete everything": forget every label on this device too.
const forget = document.querySelector('[data-practice-forget-labels]')
if (forget && storage) {
  forget.addEventListener('submit', () => {
    const keys = []
    for (let i = 0; i < storage.length; i += 1) {
      const key = storage.key(i)
      if (key && key.startsWith(PREFIX)) keys.push(key)
    }
    for (const key of keys) storage.removeItem(key)
  })
}
