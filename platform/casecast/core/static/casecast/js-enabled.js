// GOV.UK Frontend's "JavaScript is on" marker, as a file rather than the
// inline snippet in GOV.UK's page template: Casecast's Content Security Policy
// allows no inline scripts (docs/security.md, "Headers and CSP").
// Loaded with a plain <script src> as the first thing in <body>, so the classes
// are set before the page is drawn (no flash of the no-JavaScript layout).
document.body.className += ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
